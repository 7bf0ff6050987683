"""The live roster of a mission: view, poll, export, and changes made by hand."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coordinator.domain import privacy, roster
from coordinator.domain import volunteers as volunteer_rules
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms import status_of
from coordinator.i18n import format_local
from coordinator.models import Mission, Signup, StaffRole
from coordinator.numbers import whole_number_or_none
from coordinator.security import role_required
from coordinator.spreadsheets import csv_text
from coordinator.web.missions import callout_url, get_mission, require_view

bp = Blueprint("roster", __name__, url_prefix="/missions/<int:mission_id>/roster")
POLL_SECONDS = 5


def _page(mission: Mission, status: int = 200, typed: dict | None = None):
    grid = roster.roster_grid(mission)
    return render_template(
        "missions/roster.html",
        mission=mission,
        grid=grid,
        poll_seconds=POLL_SECONDS,
        callout_url=callout_url(mission),
        typed=typed or {},
    ), status


@bp.get("")
def show(mission_id: int):
    mission = get_mission(mission_id)
    require_view(mission)
    return _page(mission)


@bp.get("/live")
def live(mission_id: int):
    """The grid alone, polled by static/roster.js; 304 while nothing changed."""
    mission = get_mission(mission_id)
    require_view(mission)
    etag = f"{roster.version(mission)}-{current_user.id}"  # what each user may do differs
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        grid = roster.roster_grid(mission)
        response = Response(
            render_template("missions/_roster_grid.html", mission=mission, grid=grid),
            mimetype="text/html",
        )
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/export.csv")
def export(mission_id: int):
    mission = get_mission(mission_id)
    require_view(mission)
    rows = roster.roster_rows(
        roster.roster_grid(mission), format_local, phone=privacy.phone_formatter(current_user)
    )
    filename = f"roster-{mission.code}-{mission.starts_at:%Y%m%d}.csv"
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


def _change(mission: Mission, change, done: str, typed: dict | None = None):
    """Run a roster change, commit, and come back to the roster (with the refusal, if any).

    A refusal shows the roster again with what was typed, and a question (a number on
    file) with the person it names.
    """
    try:
        change()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error" if error.code != "number_on_file" else "warning")
        if typed is not None and isinstance(error, volunteer_rules.NumberOnFile):
            typed = {
                **typed,
                "confirm_id": error.volunteer.id,
                "confirm_name": error.volunteer.name,
            }
        return _page(get_mission(mission.id), status_of(error), typed)
    flash(done, "info")
    return redirect(url_for(".show", mission_id=mission.id), 303)


def _signup(mission: Mission, signup_id: int) -> Signup:
    signup = db.session.get(Signup, signup_id)
    if signup is None or signup.mission_id != mission.id:
        abort(404)
    return signup


def _int(name: str) -> int | None:
    return whole_number_or_none(request.form.get(name))


@bp.post("/add")
@role_required(StaffRole.COORDINATOR)
def add(mission_id: int):
    mission = get_mission(mission_id)
    volunteer = request.form.get("volunteer", "")
    waitlist = bool(request.form.get("waitlist"))
    typed = {
        "volunteer": volunteer[:200],
        "position_id": request.form.get("position_id", ""),
        "waitlist": waitlist,
    }
    return _change(
        mission,
        lambda: roster.add_by_hand(
            mission,
            volunteer,
            _int("position_id") or 0,
            waitlist=waitlist,
            confirmed_volunteer_id=_int("confirm_volunteer_id"),
        ),
        _("Added to the roster."),
        typed,
    )


@bp.post("/<int:signup_id>/move")
@role_required(StaffRole.COORDINATOR)
def move(mission_id: int, signup_id: int):
    mission = get_mission(mission_id)
    signup = _signup(mission, signup_id)
    return _change(
        mission, lambda: roster.move_signup(signup, _int("position_id") or 0), _("Moved.")
    )


@bp.post("/<int:signup_id>/remove")
@role_required(StaffRole.COORDINATOR)
def remove(mission_id: int, signup_id: int):
    mission = get_mission(mission_id)
    signup = _signup(mission, signup_id)
    return _change(
        mission,
        lambda: roster.remove_signup(signup, reason=request.form.get("reason", "")[:500]),
        _("Removed from the roster."),
    )


@bp.post("/<int:signup_id>/vehicle")
@role_required(StaffRole.COORDINATOR)
def vehicle(mission_id: int, signup_id: int):
    mission = get_mission(mission_id)
    signup = _signup(mission, signup_id)
    return _change(
        mission, lambda: roster.assign_vehicle(signup, _int("vehicle_id")), _("Vehicle updated.")
    )

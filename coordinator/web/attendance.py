"""Mission day: the team lead's attendance page and the vehicle manifest."""

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordinator.domain import attendance, permissions, readiness, vehicles
from coordinator.errors import DomainError, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.models import (
    OPEN_STATUSES,
    AttendanceStatus,
    Mission,
    Position,
    Shift,
    Signup,
    StaffRole,
    Vehicle,
)
from coordinator.numbers import is_whole_number, whole_number_or_none
from coordinator.security import role_required
from coordinator.timeutil import now_utc
from coordinator.web import add_nav_link

bp = Blueprint("attendance", __name__, url_prefix="/day")
add_nav_link("attendance.index", _l("Mission day"), StaffRole.TEAM_LEAD)
LEAD = StaffRole.TEAM_LEAD


def managed_mission(mission_id: int) -> Mission:
    """The mission, if this user may run its day (its team leads, coordinators); else 403/404."""
    mission = db.session.get(
        Mission,
        mission_id,
        options=[selectinload(Mission.team_leads), selectinload(Mission.shifts)],
    )
    if mission is None:
        abort(404)
    if not permissions.can_manage(current_user, mission):
        abort(403)
    return mission


def _child(model: type, mission: Mission, child_id: int) -> Any:
    row = db.session.get(model, child_id)
    if row is None or row.mission_id != mission.id:
        abort(404)
    return row


def _refused(error: DomainError, back: str) -> ResponseReturnValue:
    db.session.rollback()
    status = 409
    if isinstance(error, NotFound | ValidationError):
        status = 404 if isinstance(error, NotFound) else 400
    if request.accept_mimetypes.best == "application/json":
        body = {"code": error.code, "message": error.message, "field": error.field}
        return jsonify(error=body), status
    flash(error.message, "error")
    return redirect(back)


@bp.get("/")
def index():
    missions = db.session.scalars(
        select(Mission)
        .where(Mission.status.in_(OPEN_STATUSES))
        .options(selectinload(Mission.team_leads), selectinload(Mission.shifts))
        .order_by(Mission.starts_at)
    ).all()
    mine = [m for m in missions if permissions.can_manage(current_user, m)]
    return render_template("attendance/index.html", missions=mine)


@bp.get("/missions/<int:mission_id>")
def mission(mission_id: int):
    mission = managed_mission(mission_id)
    if not mission.shifts:
        abort(404)
    now = now_utc()
    shift = next((s for s in mission.shifts if s.ends_at > now), mission.shifts[-1])
    return redirect(url_for(".shift", mission_id=mission.id, shift_id=shift.id))


@bp.get("/missions/<int:mission_id>/shifts/<int:shift_id>")
def shift(mission_id: int, shift_id: int):
    mission = managed_mission(mission_id)
    shift = _child(Shift, mission, shift_id)
    roster = attendance.shift_roster(mission, shift)
    return render_template(
        "attendance/shift.html",
        mission=mission,
        shift=shift,
        roster=roster,
        # Issue 17: emergency contacts on the day only; readiness flags per person.
        sees_emergency=readiness.sees_emergency_contacts(current_user, mission, now_utc()),
        day_flags=lambda s: readiness.day_flags(s.volunteer, s.position.role, shift.starts_at),
        headcount=attendance.headcount(roster),
        on_site=attendance.roll_call(mission),
        positions=[p for p in mission.positions if p.shift_id == shift.id],
        nonce=uuid.uuid4().hex,
        row_state=row_state,
        walk_in=session.pop(WALK_IN_FORM, {}),
    )


@bp.get("/missions/<int:mission_id>/shifts/<int:shift_id>/state")
def state(mission_id: int, shift_id: int):
    mission = managed_mission(mission_id)
    shift = _child(Shift, mission, shift_id)
    roster = attendance.shift_roster(mission, shift)
    payload = state_payload(roster, attendance.headcount(roster), attendance.roll_call(mission))
    return jsonify(payload), {"Cache-Control": "no-store"}


STATUS_LABELS: dict[str | None, object] = {
    None: _l("Expected"),
    AttendanceStatus.PRESENT: _l("Here"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.NO_SHOW: _l("No-show"),
    AttendanceStatus.EXCUSED: _l("Excused"),
}


def row_state(signup: Signup) -> dict:
    """What one person's row shows; the page and the polling script share it."""
    att = signup.attendance
    status = att.status if att else None
    return {
        "status": status or "expected",
        "label": str(STATUS_LABELS[status]),
        "in": format_local(att.checked_in_at, "time") if att else "",
        "out": format_local(att.checked_out_at, "time") if att else "",
        "on_site": attendance.on_site(signup),
    }


@bp.app_template_global("row_classes")
def row_classes(row: dict) -> str:
    """A row's classes: its state, and where the person is (which picks the main button)."""
    where = "on-site" if row["on_site"] else ("checked-out" if row["out"] else "not-here")
    return f"person state-{row['status']} {where}"


def state_payload(roster: list[Signup], headcount: list, on_site: list[Signup]) -> dict:
    return {
        "rows": {str(s.id): row_state(s) for s in roster},
        "headcount": [
            {"role": h.role, "present": h.present, "expected": h.expected} for h in headcount
        ],
        "on_site": [
            {
                "name": s.volunteer.name,
                "role": s.position.role.name,
                "vehicle": s.vehicle.label if s.vehicle else "",
            }
            for s in on_site
        ],
    }


@bp.post("/missions/<int:mission_id>/signups/<int:signup_id>")
@role_required(LEAD)
def mark(mission_id: int, signup_id: int):
    mission = managed_mission(mission_id)
    signup = _child(Signup, mission, signup_id)
    back = url_for(".shift", mission_id=mission.id, shift_id=signup.position.shift_id)
    try:
        attendance.mark(signup, request.form.get("action", ""), by=current_user, via="staff")
    except DomainError as error:
        return _refused(error, back)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return state(mission_id, signup.position.shift_id)
    return redirect(back)


WALK_IN_FORM = "walk_in_form"  # session key: what was typed, shown again after a refusal
WALK_IN_FIELDS = ("name", "phone", "position_id", "language")


@bp.get("/missions/<int:mission_id>/signups/<int:signup_id>/call")
def call(mission_id: int, signup_id: int):
    """Tap-to-call without showing the number: a logged redirect to tel:."""
    mission = managed_mission(mission_id)
    signup = _child(Signup, mission, signup_id)
    try:
        number = attendance.number_to_call(current_user, signup)
    except DomainError as error:
        return _refused(error, url_for(".index"))
    db.session.commit()
    # No body: the number is for the phone's dialler, never for the page.
    return Response(status=303, headers={"Location": f"tel:{number}", "Cache-Control": "no-store"})


@bp.post("/missions/<int:mission_id>/shifts/<int:shift_id>/walk-in")
@role_required(LEAD)
def walk_in(mission_id: int, shift_id: int):
    mission = managed_mission(mission_id)
    shift = _child(Shift, mission, shift_id)
    back = url_for(".shift", mission_id=mission.id, shift_id=shift.id)
    form = {name: request.form.get(name, "") for name in WALK_IN_FIELDS}
    typed = {name: value[:200] for name, value in form.items()}  # to show again, not to use
    position = db.session.get(Position, request.form.get("position_id", type=int) or 0)
    try:
        if position is None or position.shift_id != shift.id:
            raise ValidationError(_("Choose a role in this shift."), field="position_id")
        done = attendance.add_walk_in(
            position,
            name=form["name"],
            phone=form["phone"],
            language=form["language"] or "ko",
            by=current_user,
            confirmed_volunteer_id=request.form.get("confirm_volunteer_id", type=int),
        )
    except attendance.NumberOnFile as on_file:  # only ever raised for a coordinator
        session[WALK_IN_FORM] = {
            **typed,
            "confirm_id": on_file.volunteer.id,
            "confirm_name": on_file.volunteer.name,
        }
        return _refused(on_file, back)
    except DomainError as error:
        session[WALK_IN_FORM] = typed
        return _refused(error, back)
    db.session.commit()
    if done.checked_in:
        flash(_("%(name)s is checked in as a walk-in.", name=done.signup.volunteer.name), "info")
    else:
        flash(
            _(
                "This number is already on file. We texted it so its owner can confirm from "
                "their own phone; once they do, or a coordinator adds them, they appear on "
                "your list."
            ),
            "info",
        )
    return redirect(back)


@bp.post("/missions/<int:mission_id>/shifts/<int:shift_id>/message")
@role_required(LEAD)
def message(mission_id: int, shift_id: int):
    mission = managed_mission(mission_id)
    shift = _child(Shift, mission, shift_id)
    back = url_for(".shift", mission_id=mission.id, shift_id=shift.id)
    audience = request.form.get("audience", "shift")
    vehicle_id = whole_number_or_none(audience.removeprefix("vehicle:"))
    try:
        if audience != "shift" and (not audience.startswith("vehicle:") or vehicle_id is None):
            raise ValidationError(_("Choose the shift or one of its vehicles."), field="audience")
        sent = attendance.message_team(
            mission,
            body=request.form.get("body", ""),
            nonce=request.form.get("nonce", ""),
            sender=current_user,
            shift=None if vehicle_id else shift,
            vehicle_id=vehicle_id,
        )
    except DomainError as error:
        return _refused(error, back)
    db.session.commit()
    flash(_("Message queued for %(count)d people.", count=sent), "info")
    return redirect(back)


@bp.get("/missions/<int:mission_id>/manifest")
def manifest(mission_id: int):
    mission = managed_mission(mission_id)
    return render_template(
        "attendance/manifest.html",
        mission=mission,
        manifest=vehicles.manifest(mission),
        unseated=vehicles.unseated(mission),
    )


@bp.post("/missions/<int:mission_id>/vehicles/<int:vehicle_id>/animals")
@role_required(LEAD)
def animals_moved(mission_id: int, vehicle_id: int):
    mission = managed_mission(mission_id)
    vehicle = _child(Vehicle, mission, vehicle_id)
    back = url_for(".manifest", mission_id=mission.id)
    raw = request.form.get("animals_moved", "").strip()
    try:
        if raw and not is_whole_number(raw):
            raise ValidationError(_("Animals moved must be a whole number."), field="animals_moved")
        vehicles.record_animals_moved(vehicle, int(raw) if raw else None)
    except DomainError as error:
        return _refused(error, back)
    db.session.commit()
    return redirect(back)


@bp.post("/missions/<int:mission_id>/vehicles/<int:vehicle_id>/passengers")
@role_required(LEAD)
def seat(mission_id: int, vehicle_id: int):
    mission = managed_mission(mission_id)
    vehicle = _child(Vehicle, mission, vehicle_id)
    signup = _child(Signup, mission, request.form.get("signup_id", type=int) or 0)
    return _seat(mission, signup, vehicle)


@bp.post("/missions/<int:mission_id>/signups/<int:signup_id>/unseat")
@role_required(LEAD)
def unseat(mission_id: int, signup_id: int):
    mission = managed_mission(mission_id)
    return _seat(mission, _child(Signup, mission, signup_id), None)


def _seat(mission: Mission, signup: Signup, vehicle: Vehicle | None) -> ResponseReturnValue:
    back = url_for(".manifest", mission_id=mission.id)
    try:
        vehicles.assign_to_vehicle(signup, vehicle)
    except DomainError as error:
        return _refused(error, back)
    db.session.commit()
    return redirect(back)

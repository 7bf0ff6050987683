"""Missions: create, edit, duplicate, cancel, status; roles, shifts, capacities, vehicles."""

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from coordinator.domain import mission_plan, permissions, places, roster
from coordinator.domain import missions as mission_rules
from coordinator.errors import DomainError, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.forms import show_error
from coordinator.forms.missions import (
    KIND_LABELS,
    CancelForm,
    DuplicateForm,
    MissionForm,
    RoleForm,
    ShiftForm,
    VehicleForm,
)
from coordinator.forms.translations import AppForm
from coordinator.labels import label
from coordinator.models import Mission, Role, Shift, StaffRole, StaffUser, Vehicle
from coordinator.numbers import is_whole_number
from coordinator.security import role_required
from coordinator.timeutil import local_to_utc, to_local
from coordinator.web import add_nav_link

bp = Blueprint("missions", __name__, url_prefix="/missions")
add_nav_link("missions.new", _l("New mission"), StaffRole.COORDINATOR)
COORDINATOR = StaffRole.COORDINATOR


def get_mission(mission_id: int) -> Mission:
    """The mission with its plan loaded, or 404."""
    try:
        return roster.load_mission(mission_id)
    except NotFound:
        abort(404)


def require_view(mission: Mission) -> None:
    """Coordinators see every mission; a team lead only the missions they lead."""
    if not permissions.can_manage(current_user, mission):
        abort(403)


def callout_url(mission: Mission) -> str | None:
    """The call-out page of a mission, once the call-outs blueprint provides one."""
    if "callouts.new" not in current_app.view_functions:
        return None
    return url_for("callouts.new", mission_id=mission.id)


def _staff_choices() -> list[SelectChoice]:
    users = db.session.scalars(
        select(StaffUser).where(StaffUser.is_active_user.is_(True)).order_by(StaffUser.name)
    )
    return [SelectChoice(u.id, f"{u.name} ({label(u.role, 'staff_role')})") for u in users]


def _empty_shift_form(mission: Mission) -> ShiftForm:
    form = ShiftForm(formdata=None)
    form.starts_at.data = to_local(mission.starts_at).replace(tzinfo=None)
    form.ends_at.data = to_local(mission.ends_at).replace(tzinfo=None)
    return form


def _render_show(mission: Mission, status: int = 200, **forms: object) -> tuple[str, int]:
    forms.setdefault("role_form", RoleForm(formdata=None))
    forms.setdefault("vehicle_form", VehicleForm(formdata=None))
    if "shift_form" not in forms:
        forms["shift_form"] = _empty_shift_form(mission)
    return render_template(
        "missions/show.html",
        mission=mission,
        kind_labels=KIND_LABELS,
        cells={(p.role_id, p.shift_id): p for p in mission.positions},
        fill=places.fill_summaries([mission])[mission.id],
        callout_url=callout_url(mission),
        **forms,
    ), status


@bp.get("/<int:mission_id>")
def show(mission_id: int):
    mission = get_mission(mission_id)
    require_view(mission)
    return _render_show(mission)


@bp.route("/new", methods=["GET", "POST"])
@role_required(COORDINATOR)
def new():
    form = MissionForm()
    form.team_lead_ids.choices = _staff_choices()
    if form.validate_on_submit():
        try:
            mission = mission_rules.create_mission(form.details(), created_by=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            status = show_error(form, error)
            return render_template("missions/form.html", form=form), status
        flash(
            _("Mission %(code)s created as a draft: now add roles and shifts.", code=mission.code),
            "info",
        )
        return redirect(url_for(".show", mission_id=mission.id), 303)
    status = 400 if form.errors else 200
    return render_template("missions/form.html", form=form), status


@bp.route("/<int:mission_id>/edit", methods=["GET", "POST"])
@role_required(COORDINATOR)
def edit(mission_id: int):
    mission = get_mission(mission_id)
    form = MissionForm()
    form.team_lead_ids.choices = _staff_choices()
    if not form.is_submitted():
        form.fill_from(mission)
    elif form.validate():
        try:
            mission_rules.update_mission(mission, form.details(), move_shifts=form.move_shifts.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            status = show_error(form, error)
            return render_template("missions/form.html", form=form, mission=mission), status
        flash(_("Mission saved."), "info")
        return redirect(url_for(".show", mission_id=mission.id), 303)
    status = 400 if form.errors else 200
    return render_template("missions/form.html", form=form, mission=mission), status


def _plan_change(
    mission: Mission,
    form_name: str,
    form: AppForm | None,
    change: Callable[[], object],
    anchor: str | None = "plan",
) -> object:
    """Run one change to the plan; on refusal show the plan again with the error.

    Success goes back to the part of the page the change was made in (`anchor`), so the
    coordinator adding role after role never loses their place on a long page.
    """
    if form is not None and not form.validate_on_submit():
        return _render_show(mission, 400, **{form_name: form})
    try:
        change()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        status = show_error(form, error)
        return _render_show(get_mission(mission.id), status, **({form_name: form} if form else {}))
    return redirect(url_for(".show", mission_id=mission.id, _anchor=anchor), 303)


@bp.post("/<int:mission_id>/roles")
@role_required(COORDINATOR)
def add_role(mission_id: int):
    mission, form = get_mission(mission_id), RoleForm()
    return _plan_change(
        mission,
        "role_form",
        form,
        lambda: mission_plan.add_role(
            mission,
            name=form.name.data,
            sms_key=form.sms_key.data or "",
            required_skill=form.required_skill.data or None,
            min_age=form.min_age.data,
            requires_waiver=bool(form.requires_waiver.data),
        ),
        anchor="add-role",
    )


@bp.post("/<int:mission_id>/shifts")
@role_required(COORDINATOR)
def add_shift(mission_id: int):
    mission, form = get_mission(mission_id), ShiftForm()
    return _plan_change(
        mission,
        "shift_form",
        form,
        lambda: mission_plan.add_shift(
            mission,
            name=form.name.data or "",
            sms_key=form.sms_key.data or "",
            starts_at=local_to_utc(form.starts_at.data),
            ends_at=local_to_utc(form.ends_at.data),
        ),
        anchor="add-shift",
    )


@bp.post("/<int:mission_id>/vehicles")
@role_required(COORDINATOR)
def add_vehicle(mission_id: int):
    mission, form = get_mission(mission_id), VehicleForm()
    return _plan_change(
        mission,
        "vehicle_form",
        form,
        lambda: mission_plan.add_vehicle(
            mission,
            label=form.label.data,
            kind=form.kind.data,
            seats=form.seats.data,
            crates=form.crates.data,
        ),
        anchor="vehicles",
    )


def _child(model: type, mission: Mission, child_id: int) -> Any:
    row = db.session.get(model, child_id)
    if row is None or row.mission_id != mission.id:
        abort(404)
    return row


@bp.post("/<int:mission_id>/<any(roles, shifts, vehicles):kind>/<int:child_id>/delete")
@role_required(COORDINATOR)
def remove_part(mission_id: int, kind: str, child_id: int):
    mission = get_mission(mission_id)
    model, remove = {
        "roles": (Role, mission_plan.remove_role),
        "shifts": (Shift, mission_plan.remove_shift),
        "vehicles": (Vehicle, mission_plan.remove_vehicle),
    }[kind]
    row = _child(model, mission, child_id)
    return _plan_change(
        mission, "", None, lambda: remove(row), anchor="vehicles" if kind == "vehicles" else "plan"
    )


def _capacities() -> dict[int, int]:
    values = {}
    for key, raw in request.form.items():
        if key.startswith("cap-"):
            if not is_whole_number(raw.strip()) or not is_whole_number(key[4:]):
                raise ValidationError(_("Capacities must be whole numbers."), field="capacity")
            values[int(key[4:])] = int(raw)
    return values


@bp.post("/<int:mission_id>/capacities")
@role_required(COORDINATOR)
def capacities(mission_id: int):
    mission = get_mission(mission_id)
    return _plan_change(
        mission, "", None, lambda: mission_plan.set_capacities(mission, _capacities())
    )


@bp.post("/<int:mission_id>/status")
@role_required(COORDINATOR)
def change_status(mission_id: int):
    mission = get_mission(mission_id)
    target = request.form.get("status", "")
    return _plan_change(
        mission, "", None, lambda: mission_rules.change_status(mission, target), anchor=None
    )


@bp.route("/<int:mission_id>/cancel", methods=["GET", "POST"])
@role_required(COORDINATOR)
def cancel(mission_id: int):
    mission, form = get_mission(mission_id), CancelForm()
    if form.validate_on_submit():
        try:
            notified = mission_rules.cancel_mission(mission)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".show", mission_id=mission.id), 303)
        flash(
            _(
                "Mission %(code)s cancelled; %(n)d volunteers will get a text.",
                code=mission.code,
                n=notified,
            ),
            "info",
        )
        return redirect(url_for(".show", mission_id=mission.id), 303)
    holding = len(places.people_holding_places(mission))
    status = 400 if form.errors else 200
    return render_template(
        "missions/cancel.html", mission=mission, form=form, holding=holding
    ), status


@bp.route("/<int:mission_id>/duplicate", methods=["GET", "POST"])
@role_required(COORDINATOR)
def duplicate(mission_id: int):
    mission, form = get_mission(mission_id), DuplicateForm()
    if form.validate_on_submit():
        copy = mission_rules.duplicate_mission(
            mission, starts_at=local_to_utc(form.starts_at.data), created_by=current_user
        )
        db.session.commit()
        flash(
            _("Copied as draft %(code)s: check the date, address and team.", code=copy.code), "info"
        )
        return redirect(url_for(".edit", mission_id=copy.id), 303)
    if not form.is_submitted():
        form.starts_at.data = to_local(mission.starts_at).replace(tzinfo=None)
    status = 400 if form.errors else 200
    return render_template("missions/duplicate.html", mission=mission, form=form), status

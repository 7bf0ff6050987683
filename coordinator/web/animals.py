"""Mission day: record every animal taken, on a phone with gloves on, and where it went."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coordinator.domain import animals
from coordinator.errors import DomainError, ValidationError
from coordinator.extensions import db
from coordinator.models import StaffRole
from coordinator.models.animals import (
    AgeBand,
    Animal,
    AnimalCondition,
    AnimalSex,
    DestinationKind,
)
from coordinator.security import role_required
from coordinator.timeutil import local_to_utc, to_local
from coordinator.web.attendance import managed_mission

bp = Blueprint("animals", __name__, url_prefix="/day")
FIELDS = (
    "tag",
    "species",
    "sex",
    "age_band",
    "condition",
    "notes",
    "crate",
    "vehicle_id",
    "destination_kind",
    "destination_name",
)
SPECIES = ("dog", "cat", "horse", "rabbit", "goat", "pig", "bird")


def _local_time(raw: str, name: str) -> datetime | str:
    """A datetime-local field as UTC; empty stays empty; anything else names the field."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        return local_to_utc(datetime.fromisoformat(raw).replace(tzinfo=None))
    except ValueError:
        raise ValidationError(
            _("%(field)s must be a date and time.", field=name), field=name
        ) from None


def _form_values(form: dict, names: tuple[str, ...]) -> dict:
    values: dict = {name: form.get(name, "") for name in names if name in form}
    if "vehicle_id" in values:
        raw = values["vehicle_id"].strip()
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 10):
            raise ValidationError(_("Choose a vehicle from the list."), field="vehicle_id")
        values["vehicle_id"] = int(raw) if raw else None
    for name in ("taken_at", "arrived_at"):
        if name in form:
            values[name] = _local_time(form.get(name, ""), name)
    return values


def _page(mission_id: int, *, typed: dict | None = None, status: int = 200):
    mission = managed_mission(mission_id)
    recorded = animals.animals_of(mission)
    return render_template(
        "attendance/animals.html",
        mission=mission,
        animals=list(reversed(recorded)),
        loads=animals.per_vehicle(mission),
        summary=animals.summary(recorded),
        form=typed or animals.next_defaults(mission),
        species=SPECIES,
        sexes=list(AnimalSex),
        age_bands=list(AgeBand),
        conditions=list(AnimalCondition),
        destinations=list(DestinationKind),
        to_local=to_local,
    ), status


@bp.get("/missions/<int:mission_id>/animals")
def index(mission_id: int):
    return _page(mission_id)


@bp.post("/missions/<int:mission_id>/animals")
@role_required(StaffRole.TEAM_LEAD)
def record(mission_id: int):
    mission = managed_mission(mission_id)
    try:
        animal = animals.record_animal(
            mission, _form_values(request.form, FIELDS + ("taken_at",)), by=current_user
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _page(
            mission_id,
            typed=dict(request.form),
            status=400 if isinstance(error, ValidationError) else 409,
        )
    db.session.commit()
    flash(_("%(tag)s recorded.", tag=animal.tag), "info")
    return redirect(url_for(".index", mission_id=mission.id) + "#record")


@bp.get("/missions/<int:mission_id>/animals/<int:animal_id>")
def show(mission_id: int, animal_id: int):
    mission = managed_mission(mission_id)
    animal = db.session.get(Animal, animal_id)
    if animal is None or animal.mission_id != mission.id:
        abort(404)
    return render_template(
        "attendance/animal.html",
        mission=mission,
        animal=animal,
        history=animals.history(animal),
        destinations=list(DestinationKind),
        conditions=list(AnimalCondition),
        to_local=to_local,
    )


@bp.post("/missions/<int:mission_id>/animals/<int:animal_id>")
@role_required(StaffRole.TEAM_LEAD)
def correct(mission_id: int, animal_id: int):
    mission = managed_mission(mission_id)
    animal = db.session.get(Animal, animal_id)
    if animal is None or animal.mission_id != mission.id:
        abort(404)
    back = url_for(".show", mission_id=mission.id, animal_id=animal.id)
    try:
        names = (
            "condition",
            "notes",
            "destination_kind",
            "destination_name",
            "arrived_at",
            "crate",
            "vehicle_id",
        )
        animals.correct_animal(animal, _form_values(request.form, names))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    flash(_("%(tag)s updated.", tag=animal.tag), "info")
    return redirect(back)

"""Every animal accounted for: record each one as it is taken, follow it to where it went.

One place for the rules a team lead's phone, the coordinator's pages and the API share:
what a record must hold, a crate holds one animal, a vehicle carries no more crated
animals than its crate slots, an animal arrives after it was taken. The history of a
record is the audit log of its row (who changed what, when): the chain of custody.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext, lazy_gettext
from sqlalchemy import case, func, select, update

from coordinator.errors import Conflict, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.labels import label
from coordinator.models import AuditEntry, Mission, StaffUser, Vehicle
from coordinator.models.animals import (
    AgeBand,
    Animal,
    AnimalCondition,
    AnimalSex,
    DestinationKind,
)
from coordinator.timeutil import now_utc, to_local

MAX_ANIMALS_PER_MISSION = 2000
TEXT_LIMITS = {"tag": 40, "species": 50, "crate": 20, "destination_name": 200, "notes": 2000}
# Fields a correction may change; anything else in a request is refused by name.
EDITABLE = {
    "tag",
    "species",
    "sex",
    "age_band",
    "condition",
    "notes",
    "crate",
    "vehicle_id",
    "taken_at",
    "destination_kind",
    "destination_name",
    "arrived_at",
}
# A new record starts from the previous one's choices: the next dog from the same pen
# usually goes in the same van to the same shelter.
CARRIED_OVER = (
    "species",
    "sex",
    "age_band",
    "condition",
    "vehicle_id",
    "destination_kind",
    "destination_name",
)
CHOICES: dict[str, type[StrEnum]] = {
    "sex": AnimalSex,
    "age_band": AgeBand,
    "condition": AnimalCondition,
    "destination_kind": DestinationKind,
}


def _text(values: dict, name: str, *, required: bool = False) -> str:
    raw = values.get(name)
    value = "" if raw is None else str(raw).strip()
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValidationError(
            gettext("%(field)s contains control characters.", field=name), field=name
        )
    if required and not value:
        raise ValidationError(gettext("%(field)s is required.", field=name), field=name)
    if len(value) > TEXT_LIMITS[name]:
        raise ValidationError(
            gettext(
                "%(field)s is too long: %(length)d characters, at most %(limit)d.",
                field=name,
                length=len(value),
                limit=TEXT_LIMITS[name],
            ),
            field=name,
        )
    return value


def _choice(values: dict, name: str, default: str | None) -> str | None:
    raw = values.get(name)
    if raw in (None, ""):
        return default
    allowed = {v.value for v in CHOICES[name]}
    if raw not in allowed:
        raise ValidationError(
            gettext(
                "%(field)s must be one of %(allowed)s.",
                field=name,
                allowed=", ".join(sorted(allowed)),
            ),
            field=name,
        )
    return str(raw)


def _time(values: dict, name: str) -> datetime | None:
    value = values.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(gettext("%(field)s must be a date and time.", field=name), field=name)
    return value


def _vehicle(mission: Mission, vehicle_id: object) -> Vehicle | None:
    if vehicle_id in (None, ""):
        return None
    vehicle = db.session.get(Vehicle, vehicle_id) if isinstance(vehicle_id, int) else None
    if vehicle is None or vehicle.mission_id != mission.id:
        raise NotFound(gettext("that vehicle is not on this mission"), field="vehicle_id")
    return vehicle


def _check_crate(animal: Animal, mission: Mission) -> None:
    if not animal.crate:
        return
    holder = db.session.scalar(
        select(Animal.tag).where(
            Animal.mission_id == mission.id,
            Animal.crate == animal.crate,
            Animal.arrived_at.is_(None),
            Animal.id != (animal.id or 0),
        )
    )
    if holder is not None:
        raise Conflict(
            gettext("Crate %(crate)s already holds %(tag)s.", crate=animal.crate, tag=holder),
            field="crate",
        )


def _check_vehicle_room(animal: Animal, vehicle: Vehicle | None) -> None:
    """A crated animal needs a free crate slot in its vehicle (taken ones not yet arrived)."""
    if vehicle is None or not animal.crate:
        return
    # The no-op write serialises two team leads loading the last slot at once.
    db.session.execute(
        update(Vehicle)
        .where(Vehicle.id == vehicle.id)
        .values(crate_slots=Vehicle.crate_slots)
        .execution_options(synchronize_session=False)
    )
    aboard = (
        db.session.scalar(
            select(func.count(Animal.id)).where(
                Animal.vehicle_id == vehicle.id,
                Animal.crate != "",
                Animal.arrived_at.is_(None),
                Animal.id != (animal.id or 0),
            )
        )
        or 0
    )
    if aboard >= vehicle.crate_slots:
        raise Conflict(
            gettext(
                "%(vehicle)s has no free crate slot (%(aboard)d of %(slots)d in use).",
                vehicle=vehicle.label,
                aboard=aboard,
                slots=vehicle.crate_slots,
            ),
            field="vehicle_id",
        )


def _check_times(animal: Animal) -> None:
    if animal.arrived_at is not None and animal.arrived_at < animal.taken_at:
        raise ValidationError(
            gettext("The arrival time is before the animal was taken."), field="arrived_at"
        )
    if animal.arrived_at is not None and not animal.destination_kind:
        raise ValidationError(gettext("Say where the animal arrived."), field="destination_kind")


def _apply(animal: Animal, mission: Mission, values: dict, *, creating: bool) -> None:
    unknown = set(values) - EDITABLE
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError(gettext("%(field)s cannot be set here.", field=name), field=name)
    for name in ("tag", "species", "crate", "destination_name", "notes"):
        if creating or name in values:
            setattr(animal, name, _text(values, name, required=name in ("tag", "species")))
    for name, default in (
        ("sex", AnimalSex.UNKNOWN),
        ("age_band", AgeBand.UNKNOWN),
        ("condition", AnimalCondition.WALKING),
        ("destination_kind", None),
    ):
        if name in values:
            setattr(animal, name, _choice(values, name, default))
        elif creating:
            setattr(animal, name, default)
    if creating or "taken_at" in values:
        animal.taken_at = _time(values, "taken_at") or animal.taken_at or now_utc()
    if "arrived_at" in values:
        animal.arrived_at = _time(values, "arrived_at")
    vehicle = animal.vehicle
    if creating or "vehicle_id" in values:
        vehicle = _vehicle(mission, values.get("vehicle_id"))
        animal.vehicle_id = vehicle.id if vehicle else None
    _check_times(animal)
    if animal.arrived_at is None:
        _check_crate(animal, mission)
        _check_vehicle_room(animal, vehicle)


def record_animal(mission: Mission, values: dict, *, by: StaffUser | None) -> Animal:
    """Record one animal as it is taken; refuses a repeated tag, a taken crate, a full van."""
    if not mission.is_open:
        raise Conflict(
            gettext("This mission is closed; animals can no longer be added."), field="mission"
        )
    count = (
        db.session.scalar(select(func.count(Animal.id)).where(Animal.mission_id == mission.id)) or 0
    )
    if count >= MAX_ANIMALS_PER_MISSION:
        raise Conflict(
            gettext("This mission already has %(count)d animals recorded.", count=count),
            field="tag",
        )
    animal = Animal(mission_id=mission.id, recorded_by_id=by.id if by else None)
    _apply(animal, mission, values, creating=True)
    taken = db.session.scalar(
        select(Animal.id).where(Animal.mission_id == mission.id, Animal.tag == animal.tag)
    )
    if taken is not None:
        raise Conflict(
            gettext("Tag %(tag)s is already recorded on this mission.", tag=animal.tag), field="tag"
        )
    db.session.add(animal)
    db.session.flush()
    return animal


def correct_animal(animal: Animal, values: dict) -> Animal:
    """Change a record (its destination and arrival, a wrong tag…); the audit log keeps the old."""
    mission = animal.mission
    if "tag" in values:
        tag = _text(values, "tag", required=True)
        clash = db.session.scalar(
            select(Animal.id).where(
                Animal.mission_id == mission.id, Animal.tag == tag, Animal.id != animal.id
            )
        )
        if clash is not None:
            raise Conflict(
                gettext("Tag %(tag)s is already recorded on this mission.", tag=tag), field="tag"
            )
    _apply(animal, mission, values, creating=False)
    db.session.flush()
    return animal


def animals_of(mission: Mission) -> list[Animal]:
    return list(
        db.session.scalars(
            select(Animal)
            .where(Animal.mission_id == mission.id)
            .order_by(Animal.taken_at, Animal.id)
        )
    )


def next_defaults(mission: Mission) -> dict:
    """What the form starts from: the last animal's choices and the next tag number."""
    last = db.session.scalar(
        select(Animal).where(Animal.mission_id == mission.id).order_by(Animal.id.desc()).limit(1)
    )
    if last is None:
        return {"tag": f"{mission.code}-001"}
    defaults = {name: getattr(last, name) for name in CARRIED_OVER}
    defaults["tag"] = _next_tag(last.tag)
    return defaults


def _next_tag(tag: str) -> str:
    """B7-009 -> B7-010; a tag that does not end in digits gives no suggestion."""
    digits = len(tag) - len(tag.rstrip("0123456789"))
    if not digits:
        return ""
    number = int(tag[-digits:]) + 1
    return f"{tag[:-digits]}{number:0{digits}d}"


@dataclass(frozen=True)
class VehicleAnimals:
    vehicle: Vehicle
    aboard: int  # crated animals in it, not yet arrived
    carried: int  # every animal recorded in it

    @property
    def is_full(self) -> bool:
        return self.aboard >= self.vehicle.crate_slots


def per_vehicle(mission: Mission) -> list[VehicleAnimals]:
    """Each vehicle's running count against its crate slots, in one query."""
    rows = dict(
        (vehicle_id, (int(aboard or 0), int(carried)))
        for vehicle_id, aboard, carried in db.session.execute(
            select(
                Animal.vehicle_id,
                func.sum(case(((Animal.crate != "") & Animal.arrived_at.is_(None), 1), else_=0)),
                func.count(Animal.id),
            )
            .where(Animal.mission_id == mission.id, Animal.vehicle_id.is_not(None))
            .group_by(Animal.vehicle_id)
        )
    )
    return [VehicleAnimals(v, *rows.get(v.id, (0, 0))) for v in mission.vehicles]


def recorded_counts(mission_ids: list[int]) -> dict[int, int]:
    """{mission_id: animals recorded}, for the gauges that fall back to a typed count."""
    if not mission_ids:
        return {}
    return dict(
        db.session.execute(
            select(Animal.mission_id, func.count(Animal.id))
            .where(Animal.mission_id.in_(mission_ids))
            .group_by(Animal.mission_id)
        ).all()
    )


@dataclass
class AnimalSummary:
    total: int = 0
    arrived: int = 0
    by_species: Counter = field(default_factory=Counter)
    by_condition: Counter = field(default_factory=Counter)
    by_destination: Counter = field(default_factory=Counter)


def summary(animals: list[Animal]) -> AnimalSummary:
    """Animals by species, condition and destination, for the after-action report."""
    result = AnimalSummary(total=len(animals))
    for animal in animals:
        result.by_species[animal.species] += 1
        result.by_condition[animal.condition] += 1
        result.by_destination[animal.destination_kind or "not_arrived"] += 1
        result.arrived += animal.arrived_at is not None
    return result


FIELD_NAMES = {
    "tag": lazy_gettext("tag"),
    "species": lazy_gettext("species"),
    "sex": lazy_gettext("sex"),
    "age_band": lazy_gettext("age"),
    "condition": lazy_gettext("condition"),
    "notes": lazy_gettext("notes"),
    "crate": lazy_gettext("crate"),
    "vehicle_id": lazy_gettext("vehicle"),
    "taken_at": lazy_gettext("taken"),
    "destination_kind": lazy_gettext("destination"),
    "destination_name": lazy_gettext("place"),
    "arrived_at": lazy_gettext("arrived"),
}


@dataclass(frozen=True)
class CustodyStep:
    at: datetime
    by: str  # the staff member's name, "" if their account is gone
    action: str  # create, update, delete
    changes: list[tuple[str, str, str]]  # (field, before, after) in the reader's words


def history(animal: Animal) -> list[CustodyStep]:
    """The chain of custody: every staff change to this record, oldest first, in words."""
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == Animal.__tablename__, AuditEntry.object_id == animal.id)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    vehicles = {v.id: v.label for v in animal.mission.vehicles}
    steps = []
    for entry in entries:
        changes = [
            (str(FIELD_NAMES[name]), _shown(name, before, vehicles), _shown(name, after, vehicles))
            for name, (before, after) in entry.changes.items()
            if name in FIELD_NAMES and before != after and (before or after)
        ]
        who = entry.staff_user.name if entry.staff_user else ""
        steps.append(CustodyStep(entry.created_at, who, entry.action, changes))
    return steps


def _shown(name: str, value: object, vehicles: dict[int, str]) -> str:
    if value in (None, ""):
        return "—"
    if name == "vehicle_id":
        return vehicles.get(value, "—")  # type: ignore[call-overload]
    if name in ("taken_at", "arrived_at"):
        return format_local(datetime.fromisoformat(str(value)), "datetime")
    return str(label(value))


# Animal Shelter Manager's CSV import names these columns; a receiving shelter imports the
# file as it is (ANIMALNAME is required there: a rescued animal's tag is its first name).
SHELTER_COLUMNS = [
    "ANIMALCODE",
    "ANIMALNAME",
    "ANIMALSPECIES",
    "ANIMALSEX",
    "ANIMALCOMMENTS",
    "ANIMALHEALTHPROBLEMS",
    "ANIMALENTRYDATE",
    "ANIMALPICKUPLOCATION",
    "ANIMALLOCATION",
    "ANIMALREASONFORENTRY",
    # Ours, after ASM's: the record as the rescue kept it.
    "AGEBAND",
    "CONDITION",
    "VEHICLE",
    "CRATE",
    "TAKEN",
    "DESTINATIONTYPE",
    "ARRIVED",
]
ASM_SEX = {AnimalSex.MALE: "Male", AnimalSex.FEMALE: "Female", AnimalSex.UNKNOWN: "Unknown"}
NEEDS_CARE = (AnimalCondition.INJURED, AnimalCondition.CRITICAL)


def shelter_rows(mission: Mission, recorded: list[Animal]) -> list[list[object]]:
    """One row per animal in a layout a shelter system imports (header first)."""
    vehicles = {v.id: v.label for v in mission.vehicles}
    rows: list[list[object]] = [list(SHELTER_COLUMNS)]
    for a in recorded:
        arrived = format_local(a.arrived_at, "datetime") if a.arrived_at else ""
        rows.append(
            [
                a.tag,
                a.tag,
                label(a.species),
                ASM_SEX[AnimalSex(a.sex)],
                a.notes,
                label(a.condition) if a.condition in NEEDS_CARE else "",
                to_local(a.arrived_at).date().isoformat() if a.arrived_at else "",
                mission.area,
                a.destination_name,
                f"{mission.code} {mission.title}",
                label(a.age_band),
                label(a.condition),
                vehicles.get(a.vehicle_id or 0, ""),
                a.crate,
                format_local(a.taken_at, "datetime"),
                label(a.destination_kind) if a.destination_kind else "",
                arrived,
            ]
        )
    return rows

"""A mission's plan: roles, shifts, the capacity of each role x shift cell, and vehicles."""

import re
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from coordinator import audit
from coordinator.database import rowcount
from coordinator.domain import missions as mission_rules
from coordinator.domain import signups
from coordinator.domain.vehicles import MAX_CRATES, MAX_SEATS
from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Mission,
    Position,
    Role,
    Shift,
    Signup,
    SignupStatus,
    Skill,
    Vehicle,
    VehicleKind,
)
from coordinator.timeutil import to_local

MAX_CAPACITY = 500
SMS_KEY = re.compile(r"[A-Z0-9]{1,4}")


def _check_editable(mission: Mission) -> None:
    if not mission.is_open:
        raise Conflict(
            gettext("a %(status)s mission can no longer be changed", status=mission.status)
        )


def _sms_key(wanted: str, taken: set[str], fallback: str, field: str) -> str:
    key = (wanted or "").strip().upper()
    if key:
        if not SMS_KEY.fullmatch(key):
            raise ValidationError(
                gettext("%(key)r: use 1-4 letters or digits", key=key), field=field
            )
        if key in taken:
            raise Conflict(
                gettext("the SMS key %(key)s is already used in this mission", key=key), field=field
            )
        return key
    return next(k for k in (fallback, *(f"{fallback}{n}" for n in range(2, 99))) if k not in taken)


def _count(value: int | None, name: str, upper: int) -> int:
    if value is None:
        return 0
    if not 0 <= value <= upper:
        raise ValidationError(
            gettext("%(name)s must be a whole number from 0 to %(upper)s", name=name, upper=upper),
            field=name,
        )
    return value


def _has_live_signups(column: InstrumentedAttribute[int], value: int) -> bool:
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(Signup)
            .join(Position, Signup.position_id == Position.id)
            .where(column == value, Signup.status != SignupStatus.CANCELLED)
        )
    )


def add_role(
    mission: Mission,
    *,
    name: str,
    sms_key: str = "",
    required_skill: str | None = None,
    min_age: int | None = None,
    requires_waiver: bool = False,
):
    """Add a role, with an empty (capacity 0) position in every shift.

    `min_age` and `requires_waiver` are readiness rules (coordinator/domain/readiness.py).
    """
    _check_editable(mission)
    name = name.strip()
    if not name:
        raise ValidationError(gettext("a role needs a name"), field="name")
    if any(r.name == name for r in mission.roles):
        raise Conflict(gettext("this mission already has a role %(name)r", name=name), field="name")
    if required_skill and required_skill not in set(Skill):
        raise ValidationError(
            gettext("unknown skill %(required_skill)r", required_skill=required_skill),
            field="required_skill",
        )
    if min_age is not None and not 0 <= min_age <= 100:
        raise ValidationError(gettext("a minimum age is 0 to 100"), field="min_age")
    fallback = (required_skill or name)[0].upper() if (required_skill or name)[0].isascii() else "R"
    role = Role(
        name=name,
        required_skill=required_skill or None,
        min_age=min_age or None,
        requires_waiver=requires_waiver,
        sms_key=_sms_key(sms_key, {r.sms_key for r in mission.roles}, fallback, "sms_key"),
        sort_order=max((r.sort_order for r in mission.roles), default=-1) + 1,
    )
    mission.roles.append(role)
    for shift in mission.shifts:
        mission.positions.append(Position(role=role, shift=shift, capacity=0))
    db.session.flush()
    return role


def add_shift(
    mission: Mission, *, name: str, starts_at: datetime, ends_at: datetime, sms_key: str = ""
):
    """Add a time slot inside the mission's times, with an empty position for every role."""
    _check_editable(mission)
    if ends_at <= starts_at:
        raise ValidationError(gettext("a shift must end after it starts"), field="ends_at")
    if starts_at < mission.starts_at or ends_at > mission.ends_at:
        raise ValidationError(
            gettext("the shift must lie within the mission's times"), field="starts_at"
        )
    fallback = "AM" if to_local(starts_at).hour < 12 else "PM"
    shift = Shift(
        name=name.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        sms_key=_sms_key(sms_key, {s.sms_key for s in mission.shifts}, fallback, "sms_key"),
    )
    mission.shifts.append(shift)
    for role in mission.roles:
        mission.positions.append(Position(role=role, shift=shift, capacity=0))
    db.session.flush()
    return shift


def remove_role(role: Role) -> None:
    """Delete a role nobody is signed up for."""
    _check_editable(role.mission)
    if _has_live_signups(Position.role_id, role.id):
        raise Conflict(
            gettext("people are signed up as %(name)s: move or remove them first", name=role.name)
        )
    _delete(role, role.mission)


def remove_shift(shift: Shift) -> None:
    """Delete a shift nobody is signed up for."""
    _check_editable(shift.mission)
    if _has_live_signups(Position.shift_id, shift.id):
        raise Conflict(gettext("people are signed up in this shift: move or remove them first"))
    _delete(shift, shift.mission)


def _delete(row: Role | Shift | Vehicle, mission: Mission) -> None:
    db.session.delete(row)  # positions go with it (cascade); signups' vehicle is set null
    db.session.flush()
    db.session.expire(mission, ["roles", "shifts", "positions", "vehicles"])
    mission_rules.refresh_fill_status(mission)


def set_capacities(mission: Mission, capacities: dict[int, int]) -> None:
    """Set how many people each role x shift needs; new places go to the waitlist first."""
    _check_editable(mission)
    positions = {p.id: p for p in mission.positions}
    for position_id, capacity in capacities.items():
        position = positions.get(position_id)
        if position is None:
            raise ValidationError(
                gettext("that cell is not part of this mission"), field="capacity"
            )
        if not 0 <= capacity <= MAX_CAPACITY:
            raise ValidationError(
                gettext("capacity must be 0 to %(max_capacity)s", max_capacity=MAX_CAPACITY),
                field="capacity",
            )
        _set_capacity(position, capacity)
    mission_rules.refresh_fill_status(mission)


def _set_capacity(position: Position, capacity: int) -> None:
    old = position.capacity
    # Conditional, like booking: a place taken a moment ago is never squeezed out.
    result = db.session.execute(
        update(Position)
        .where(Position.id == position.id, Position.filled <= capacity)
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(position, ["capacity", "filled"])
    if rowcount(result) != 1:
        raise Conflict(
            gettext(
                "%(role)s (%(shift)s) has %(filled)d people holding a place: remove some "
                "before lowering it to %(capacity)d",
                role=position.role.name,
                shift=position.shift.name,
                filled=position.filled,
                capacity=capacity,
            ),
            field="capacity",
        )
    if capacity != old:
        audit.record_update(position, {"capacity": (old, capacity)})
    for _ in range(max(capacity - old, 0)):
        if signups.offer_to_waitlist(position) is None:
            break


def add_vehicle(
    mission: Mission, *, label: str, kind: str, seats: int | None, crates: int | None
) -> Vehicle:
    """Add an organisation vehicle (volunteers offer theirs through vehicles.offer_vehicle)."""
    _check_editable(mission)
    if not label.strip():
        raise ValidationError(gettext("a vehicle needs a label"), field="label")
    if kind not in set(VehicleKind):
        raise ValidationError(gettext("unknown vehicle kind %(kind)r", kind=kind), field="kind")
    vehicle = Vehicle(
        label=label.strip(),
        kind=kind,
        is_organisation=True,
        seats=_count(seats, "seats", MAX_SEATS),
        crate_slots=_count(crates, "crate_slots", MAX_CRATES),
    )
    mission.vehicles.append(vehicle)
    db.session.flush()
    return vehicle


def remove_vehicle(vehicle: Vehicle) -> None:
    """Take a vehicle off the mission; people assigned to it stay signed up."""
    _check_editable(vehicle.mission)
    _delete(vehicle, vehicle.mission)

"""Vehicles a mission can use: organisation vans and volunteers' own cars offered for it."""

from sqlalchemy import select

from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import Mission, Vehicle, VehicleKind, Volunteer

MAX_SEATS = 60
MAX_CRATES = 200


def _check_count(value: int | None, name: str, upper: int) -> int:
    if value is None:
        return 0
    if not isinstance(value, int) or value < 0 or value > upper:
        raise ValidationError(f"{name} must be a whole number from 0 to {upper}", field=name)
    return value


def offer_vehicle(
    volunteer: Volunteer,
    mission: Mission,
    *,
    kind: str | None = None,
    seats: int | None = None,
    crates: int | None = None,
) -> Vehicle:
    """Record (or update) the vehicle a volunteer brings to a mission, with them as driver.

    Missing values fall back to the volunteer's own vehicle on file.
    """
    kind = kind or volunteer.vehicle_kind or VehicleKind.CAR
    if kind not in {k.value for k in VehicleKind}:
        raise ValidationError(f"unknown vehicle kind {kind!r}", field="kind")
    seats = _check_count(
        seats if seats is not None else volunteer.vehicle_seats, "seats", MAX_SEATS
    )
    crates = _check_count(
        crates if crates is not None else volunteer.vehicle_crates, "crate_slots", MAX_CRATES
    )
    vehicle = db.session.scalar(
        select(Vehicle).where(
            Vehicle.mission_id == mission.id, Vehicle.offered_by_id == volunteer.id
        )
    )
    if vehicle is None:
        vehicle = Vehicle(mission=mission, is_organisation=False, offered_by=volunteer)
        db.session.add(vehicle)
    vehicle.kind = kind
    vehicle.label = f"{volunteer.name} ({kind})"
    vehicle.driver = volunteer
    vehicle.seats = seats
    vehicle.crate_slots = crates
    db.session.flush()
    return vehicle

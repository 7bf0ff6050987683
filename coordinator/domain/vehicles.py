"""Vehicles a mission can use (organisation vans, volunteers' own cars) and the day's manifest."""

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from coordinator.errors import Conflict, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Animal,
    ExpectedAnimals,
    Mission,
    Signup,
    SignupStatus,
    Vehicle,
    VehicleKind,
    Volunteer,
)

MAX_SEATS = 60
MAX_CRATES = 200


def _check_count(value: int | None, name: str, upper: int) -> int:
    if value is None:
        return 0
    if not isinstance(value, int) or value < 0 or value > upper:
        raise ValidationError(
            gettext(
                "%(field)s must be a whole number from 0 to %(upper)d", field=name, upper=upper
            ),
            field=name,
        )
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
        raise ValidationError(gettext("unknown vehicle kind %(value)r", value=kind), field="kind")
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


MAX_ANIMALS_MOVED = 1000


def _locked(vehicle: Vehicle) -> None:
    # A no-op write takes the row's write lock (PostgreSQL) or the database's (SQLite), so two
    # team leads filling the last seat at once are counted one after the other.
    db.session.execute(
        update(Vehicle)
        .where(Vehicle.id == vehicle.id)
        .values(seats=Vehicle.seats)
        .execution_options(synchronize_session=False)
    )


def passengers(vehicle: Vehicle) -> list[Signup]:
    """Confirmed signups riding in the vehicle, the driver's own signup included."""
    return list(
        db.session.scalars(
            select(Signup)
            .where(Signup.vehicle_id == vehicle.id, Signup.status == SignupStatus.CONFIRMED)
            .options(joinedload(Signup.volunteer))
            .order_by(Signup.id)
        )
    )


def unseated(mission: Mission) -> list[Signup]:
    """Confirmed volunteers of the mission not yet in any vehicle."""
    return list(
        db.session.scalars(
            select(Signup)
            .where(
                Signup.mission_id == mission.id,
                Signup.status == SignupStatus.CONFIRMED,
                Signup.vehicle_id.is_(None),
            )
            .options(joinedload(Signup.volunteer))
            .order_by(Signup.id)
        )
    )


def seats_taken(vehicle: Vehicle, riders: list[Signup]) -> int:
    """People in the vehicle: its riders, plus a driver who has no signup of their own."""
    rider_ids = {s.volunteer_id for s in riders}
    has_extra_driver = vehicle.driver_id is not None and vehicle.driver_id not in rider_ids
    return len(riders) + int(has_extra_driver)


def assign_to_vehicle(signup: Signup, vehicle: Vehicle | None) -> Signup:
    """Seat a confirmed volunteer in one of the mission's vehicles (None takes them out)."""
    if vehicle is None:
        signup.vehicle_id = None
        db.session.flush()
        return signup
    if vehicle.mission_id != signup.mission_id:
        raise NotFound(gettext("that vehicle is not on this mission"), field="vehicle")
    if signup.status != SignupStatus.CONFIRMED:
        raise Conflict(
            gettext(
                "%(name)s is %(status)s, not coming",
                name=signup.volunteer.name,
                status=signup.status,
            ),
            field="signup",
        )
    if signup.vehicle_id == vehicle.id:
        return signup
    _locked(vehicle)
    db.session.refresh(vehicle)
    if seats_taken(vehicle, passengers(vehicle)) >= vehicle.seats:
        raise Conflict(
            gettext(
                "%(vehicle)s is full (%(seats)d seats)", vehicle=vehicle.label, seats=vehicle.seats
            ),
            field="vehicle",
        )
    signup.vehicle_id = vehicle.id
    db.session.flush()
    return signup


def record_animals_moved(vehicle: Vehicle, count: int | None) -> Vehicle:
    """How many animals actually left in this vehicle (None clears a mistaken entry)."""
    if count is not None:
        count = _check_count(count, "animals_moved", MAX_ANIMALS_MOVED)
    vehicle.animals_moved = count
    db.session.flush()
    return vehicle


@dataclass(frozen=True)
class VehicleLoad:
    vehicle: Vehicle
    riders: list[Signup]
    seats_taken: int
    crates_planned: int  # expected animals this vehicle would carry, filling vehicles in order
    animals_recorded: int = 0  # animals recorded one by one as taken in this vehicle


@dataclass(frozen=True)
class Manifest:
    loads: list[VehicleLoad]
    crate_slots: int
    animals_expected: int  # animals that need a crate
    animals_moved: int
    animals_recorded: bool = False  # the count comes from the animals recorded one by one

    @property
    def crates_short(self) -> int:
        return max(self.animals_expected - self.crate_slots, 0)


def manifest(mission: Mission) -> Manifest:
    """Each vehicle's driver, riders and crates against the animals expected, in four queries.

    Animals moved are the animals recorded one by one once there are any (domain/animals.py),
    and the counts typed per vehicle before that.
    """
    vehicles = db.session.scalars(
        select(Vehicle)
        .where(Vehicle.mission_id == mission.id)
        .options(joinedload(Vehicle.driver))
        .order_by(Vehicle.id)
    ).all()
    riders: dict[int | None, list[Signup]] = {v.id: [] for v in vehicles}
    for signup in db.session.scalars(
        select(Signup)
        .where(
            Signup.mission_id == mission.id,
            Signup.status == SignupStatus.CONFIRMED,
            Signup.vehicle_id.is_not(None),
        )
        .options(joinedload(Signup.volunteer), joinedload(Signup.position))
        .order_by(Signup.id)
    ):
        riders.setdefault(signup.vehicle_id, []).append(signup)
    slots, expected = transport_summary([mission]).get(mission.id, (0, 0))
    recorded: dict[int | None, int] = {
        vehicle_id: int(n)
        for vehicle_id, n in db.session.execute(
            select(Animal.vehicle_id, func.count(Animal.id))
            .where(Animal.mission_id == mission.id)
            .group_by(Animal.vehicle_id)
        )
    }
    any_recorded = sum(recorded.values())
    loads, left = [], expected
    for vehicle in vehicles:
        planned = min(vehicle.crate_slots, left)
        left -= planned
        taken = seats_taken(vehicle, riders[vehicle.id])
        loads.append(
            VehicleLoad(vehicle, riders[vehicle.id], taken, planned, recorded.get(vehicle.id, 0))
        )
    if any_recorded:
        return Manifest(loads, slots, expected, any_recorded, animals_recorded=True)
    return Manifest(loads, slots, expected, sum(v.animals_moved or 0 for v in vehicles))


def transport_summary(missions: list[Mission]) -> dict[int, tuple[int, int]]:
    """{mission_id: (crate slots, animals expected that need a crate)} in two queries."""
    ids = [m.id for m in missions]
    if not ids:
        return {}
    slots = dict(
        db.session.execute(
            select(Vehicle.mission_id, func.coalesce(func.sum(Vehicle.crate_slots), 0))
            .where(Vehicle.mission_id.in_(ids))
            .group_by(Vehicle.mission_id)
        ).all()
    )
    expected = dict(
        db.session.execute(
            select(ExpectedAnimals.mission_id, func.coalesce(func.sum(ExpectedAnimals.count), 0))
            .where(ExpectedAnimals.mission_id.in_(ids), ExpectedAnimals.needs_crate.is_(True))
            .group_by(ExpectedAnimals.mission_id)
        ).all()
    )
    return {i: (int(slots.get(i, 0)), int(expected.get(i, 0))) for i in ids}

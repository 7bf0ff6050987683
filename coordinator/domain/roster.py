"""The roster: who is in which role and shift, and staff changes made by hand.

Adding, moving and removing go through coordinator.domain.signups, so capacity, overlap
and skill rules are the very ones SMS sign-ups obey.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from coordinator.domain import signups, vehicles, volunteers
from coordinator.errors import Conflict, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Attendance,
    Mission,
    Position,
    Role,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    Vehicle,
    Volunteer,
)
from coordinator.phones import display_phone

STATUS_ORDER = {"confirmed": 0, "offered": 1, "waitlisted": 2, "cancelled": 3}


@dataclass
class RosterCell:
    position: Position
    holding: list[Signup] = field(default_factory=list)  # confirmed and offered
    waitlisted: list[Signup] = field(default_factory=list)
    cancelled: list[Signup] = field(default_factory=list)

    @property
    def gap(self) -> int:
        return self.position.places_left


@dataclass
class RosterGrid:
    mission: Mission
    roles: list[Role]
    shifts: list[Shift]
    cells: dict[tuple[int, int], RosterCell]
    vehicles: list[Vehicle]
    by_vehicle: dict[int, list[Signup]]

    def cell(self, role: Role, shift: Shift) -> RosterCell | None:
        return self.cells.get((role.id, shift.id))

    @property
    def gaps(self) -> int:
        return sum(cell.gap for cell in self.cells.values())

    @property
    def positions(self) -> list[Position]:
        return [cell.position for cell in self.cells.values()]


def version(mission: Mission) -> str:
    """A cheap fingerprint of what the roster shows, from aggregates: no signup is loaded.

    Polling browsers ask every few seconds; on a farm closure with hundreds on the
    waitlists, building the grid just to learn that nothing changed would eat the CPU that
    webhooks and status callbacks need.
    """
    signups_now = db.session.execute(
        select(
            func.count(Signup.id),
            func.max(Signup.id),
            func.max(Signup.created_at),
            func.max(Signup.confirmed_at),
            func.max(Signup.cancelled_at),
            func.max(Signup.offer_expires_at),
            func.sum(func.coalesce(Signup.vehicle_id, 0)),
            *(func.count().filter(Signup.status == status) for status in STATUS_ORDER),
        ).where(Signup.mission_id == mission.id)
    ).one()
    attendance_now = db.session.execute(
        select(func.count(Attendance.id), func.max(Attendance.updated_at))
        .join(Signup, Attendance.signup_id == Signup.id)
        .where(Signup.mission_id == mission.id)
    ).one()
    plan = [
        mission.status,
        mission.updated_at,
        *(f"{p.id}:{p.capacity}" for p in mission.positions),
        *(f"{v.id}:{v.label}:{v.seats}:{v.driver_id}" for v in mission.vehicles),
    ]
    text = "|".join(str(part) for part in (*plan, *signups_now, *attendance_now))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load_mission(mission_id: int) -> Mission:
    """The mission with its plan loaded in a fixed number of queries; NotFound if missing."""
    mission = db.session.scalar(
        select(Mission)
        .where(Mission.id == mission_id)
        .options(
            selectinload(Mission.roles),
            selectinload(Mission.shifts),
            selectinload(Mission.positions),
            selectinload(Mission.animals),
            selectinload(Mission.team_leads),
            selectinload(Mission.vehicles).joinedload(Vehicle.driver),
        )
    )
    if mission is None:
        raise NotFound(gettext("no such mission"))
    return mission


def roster_grid(mission: Mission) -> RosterGrid:
    """Every signup of the mission placed in its role x shift cell, without a query per row."""
    rows = db.session.scalars(
        select(Signup)
        .where(Signup.mission_id == mission.id)
        .options(joinedload(Signup.volunteer), selectinload(Signup.attendance))
        .order_by(Signup.created_at, Signup.id)
    ).all()
    cells = {(p.role_id, p.shift_id): RosterCell(p) for p in mission.positions}
    positions = {p.id: (p.role_id, p.shift_id) for p in mission.positions}
    by_vehicle: dict[int, list[Signup]] = {}
    for signup in rows:
        cell = cells[positions[signup.position_id]]
        if signup.holds_place:
            cell.holding.append(signup)
            if signup.vehicle_id:
                by_vehicle.setdefault(signup.vehicle_id, []).append(signup)
        elif signup.status == SignupStatus.WAITLISTED:
            cell.waitlisted.append(signup)
        else:
            cell.cancelled.append(signup)
    return RosterGrid(
        mission,
        list(mission.roles),
        list(mission.shifts),
        cells,
        list(mission.vehicles),
        by_vehicle,
    )


def _position_of(mission: Mission, position_id: int) -> Position:
    position = db.session.get(Position, position_id)
    if position is None or position.mission_id != mission.id:
        raise ValidationError(gettext("choose a role and shift of this mission"), field="position")
    return position


def add_volunteer(
    mission: Mission, volunteer: Volunteer, position_id: int, *, waitlist: bool = False
) -> Signup:
    """Put a volunteer on the roster by hand; a full place is refused unless `waitlist`."""
    position = _position_of(mission, position_id)
    return signups.sign_up(volunteer, position, source=SignupSource.STAFF, waitlist=waitlist)


def add_by_hand(
    mission: Mission,
    typed: str,
    position_id: int,
    *,
    waitlist: bool = False,
    confirmed_volunteer_id: int | None = None,
) -> Signup:
    """Put the volunteer a coordinator typed (phone or exact name) on the roster.

    A phone number names whoever has it on file, who may not be the person the
    coordinator has in mind: they are told whose it is and asked before anyone is added.
    """
    volunteer = volunteers.find_one(typed)
    if volunteers.is_phone_text(typed) and confirmed_volunteer_id != volunteer.id:
        raise volunteers.NumberOnFile(
            volunteer, gettext("This number is %(name)s's. Add %(name)s?", name=volunteer.name)
        )
    return add_volunteer(mission, volunteer, position_id, waitlist=waitlist)


def move_signup(signup: Signup, position_id: int) -> Signup:
    """Move someone to another role or shift of the same mission, or leave them where they were."""
    position = _position_of(signup.mission, position_id)
    if position.id == signup.position_id:
        return signup
    if not signup.holds_place:
        raise Conflict(gettext("only someone holding a place can be moved"), field="signup")
    vehicle = signup.vehicle
    # Both steps or neither: the old place is only given up if the new one is free.
    with db.session.begin_nested():
        signups.cancel(signup, reason="moved by staff", by_staff=True)
        moved = signups.sign_up(
            signup.volunteer, position, source=SignupSource.STAFF, waitlist=False, vehicle=vehicle
        )
    return moved


def remove_signup(signup: Signup, *, reason: str = "") -> Signup | None:
    """Take someone off the roster; returns the waitlisted signup offered the freed place."""
    if signup.status == SignupStatus.CANCELLED:
        raise Conflict(gettext("this sign-up is already cancelled"), field="signup")
    promoted = signups.cancel(signup, reason=reason.strip() or "removed by staff", by_staff=True)
    db.session.flush()
    return promoted


def assign_vehicle(signup: Signup, vehicle_id: int | None) -> Signup:
    """Seat someone in one of the mission's vehicles (None: no vehicle); seats are checked."""
    vehicle = db.session.get(Vehicle, vehicle_id) if vehicle_id else None
    if vehicle_id and vehicle is None:
        raise ValidationError(gettext("choose a vehicle of this mission"), field="vehicle")
    return vehicles.assign_to_vehicle(signup, vehicle)


CSV_HEADER = [
    "shift",
    "starts",
    "role",
    "status",
    "name",
    "phone",
    "vehicle",
    "source",
    "attendance",
]


def roster_rows(
    grid: RosterGrid,
    local_dt: Callable[[datetime], str],
    phone: Callable[[str], str] = display_phone,
) -> list[list[str]]:
    """The roster as CSV rows (header first); `local_dt` and `phone` format for the reader."""
    vehicles: dict[int | None, str] = {v.id: v.label for v in grid.vehicles}
    rows = [CSV_HEADER]
    for shift in grid.shifts:
        for role in grid.roles:
            cell = grid.cell(role, shift)
            if cell is None:
                continue
            for signup in sorted(
                cell.holding + cell.waitlisted + cell.cancelled,
                key=lambda s: STATUS_ORDER.get(s.status, 9),
            ):
                rows.append(
                    [
                        shift.name,
                        local_dt(shift.starts_at),
                        role.name,
                        signup.status,
                        signup.volunteer.name,
                        phone(signup.volunteer.phone),
                        vehicles.get(signup.vehicle_id, ""),
                        signup.source,
                        signup.attendance.status if signup.attendance else "",
                    ]
                )
    return rows

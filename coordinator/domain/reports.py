"""After-action reports: who came, hours, no-shows, animals moved, SMS cost; volunteer records.

Hours count from check-in to check-out; someone checked in but never checked out is
credited the shift's length (team leads forget to check people out, volunteers rarely
leave early unannounced).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from coordinator.domain.animals import AnimalSummary, animals_of, summary
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import (
    Animal,
    Attendance,
    AttendanceStatus,
    Direction,
    Message,
    MessageStatus,
    Mission,
    Position,
    Role,
    Shift,
    Signup,
    SignupStatus,
    Vehicle,
)
from coordinator.sms.outbox import queue_sms
from coordinator.sms.pricing import cost_of_many
from coordinator.timeutil import now_utc

ARRIVED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
# Statuses a provider bills: the message left for the carrier.
BILLED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED)


def hours_worked(signup: Signup) -> float:
    """Hours this signup counts for: check-in to check-out, or the shift length if not out."""
    att = signup.attendance
    if att is None or att.status not in ARRIVED or att.checked_in_at is None:
        return 0.0
    shift = signup.position.shift
    worked = (
        att.checked_out_at - att.checked_in_at
        if att.checked_out_at
        else shift.ends_at - shift.starts_at
    )
    return round(max(worked, timedelta(0)).total_seconds() / 3600, 2)


@dataclass
class AttendeeRow:
    signup: Signup
    status: str  # present, late, no_show, excused or "unmarked"
    hours: float


@dataclass
class ShiftRoleGroup:
    shift: Shift
    role: Role
    rows: list[AttendeeRow] = field(default_factory=list)

    @property
    def came(self) -> int:
        return sum(1 for r in self.rows if r.status in ARRIVED)


@dataclass(frozen=True)
class MessageLine:
    kind: str
    count: int
    segments: int
    cost: Decimal


@dataclass
class MissionReport:
    mission: Mission
    groups: list[ShiftRoleGroup]
    no_shows: list[Signup]
    late_cancels: list[Signup]
    vehicles: list[Vehicle]
    messages: list[MessageLine]
    animals: list[Animal] = field(default_factory=list)

    @property
    def attended(self) -> list[AttendeeRow]:
        return [r for g in self.groups for r in g.rows if r.status in ARRIVED]

    @property
    def total_hours(self) -> float:
        return round(sum(r.hours for r in self.attended), 2)

    @property
    def animals_moved(self) -> int:
        """Animals recorded one by one once there are any; the counts typed per vehicle before."""
        if self.animals:
            return len(self.animals)
        return sum(v.animals_moved or 0 for v in self.vehicles)

    @property
    def animal_summary(self) -> AnimalSummary:
        return summary(self.animals)

    def moved_in(self, vehicle: Vehicle) -> int | None:
        """Animals that left in this vehicle: its records, else the count typed for it."""
        if self.animals:
            return sum(1 for a in self.animals if a.vehicle_id == vehicle.id)
        return vehicle.animals_moved

    @property
    def message_cost(self) -> Decimal:
        return sum((m.cost for m in self.messages), Decimal(0))

    @property
    def messages_sent(self) -> int:
        return sum(m.count for m in self.messages)


def mission_report(mission: Mission) -> MissionReport:
    """Everything the after-action report shows for one mission, in five queries."""
    signups = (
        db.session.scalars(
            select(Signup)
            .join(Position, Signup.position_id == Position.id)
            .join(Shift, Position.shift_id == Shift.id)
            .join(Role, Position.role_id == Role.id)
            .where(Signup.mission_id == mission.id)
            .options(
                joinedload(Signup.volunteer),
                joinedload(Signup.position).joinedload(Position.shift),
                joinedload(Signup.position).joinedload(Position.role),
                joinedload(Signup.attendance),
            )
            .order_by(Shift.starts_at, Role.sort_order, Role.id, Signup.id)
        )
        .unique()
        .all()
    )
    groups: dict[tuple[int, int], ShiftRoleGroup] = {}
    for signup in signups:
        if signup.status != SignupStatus.CONFIRMED:
            continue
        pos = signup.position
        group = groups.setdefault((pos.shift_id, pos.role_id), ShiftRoleGroup(pos.shift, pos.role))
        status = signup.attendance.status if signup.attendance else "unmarked"
        group.rows.append(AttendeeRow(signup, status, hours_worked(signup)))
    no_shows = [
        s
        for g in groups.values()
        for s in (r.signup for r in g.rows)
        if s.attendance and s.attendance.status == AttendanceStatus.NO_SHOW
    ]
    late_cancels = [s for s in signups if s.status == SignupStatus.CANCELLED and s.is_late_cancel]
    vehicles = db.session.scalars(
        select(Vehicle)
        .where(Vehicle.mission_id == mission.id)
        .options(joinedload(Vehicle.driver))
        .order_by(Vehicle.id)
    ).all()
    return MissionReport(
        mission,
        list(groups.values()),
        no_shows,
        late_cancels,
        list(vehicles),
        message_costs(mission),
        animals_of(mission),
    )


def message_costs(mission: Mission) -> list[MessageLine]:
    """Outgoing SMS billed for the mission, per kind, each priced by its route and type."""
    rows = db.session.execute(
        select(
            Message.kind,
            Message.route,
            Message.message_type,
            func.count(),
            func.coalesce(func.sum(Message.segments), 0),
        )
        .where(
            Message.mission_id == mission.id,
            Message.direction == Direction.OUTBOUND,
            Message.status.in_(BILLED),
        )
        .group_by(Message.kind, Message.route, Message.message_type)
        .order_by(Message.kind)
    ).all()
    config = current_app.config
    lines: dict[str, MessageLine] = {}
    for kind, route, message_type, count, segments in rows:
        cost = cost_of_many(config, route, message_type, count, int(segments))
        line = lines.get(kind) or MessageLine(kind, 0, 0, Decimal(0))
        lines[kind] = MessageLine(
            kind, line.count + count, line.segments + int(segments), line.cost + cost
        )
    return list(lines.values())


@dataclass(frozen=True)
class VolunteerRecord:
    missions_attended: int
    shifts_attended: int
    no_shows: int
    hours: float

    @property
    def no_show_rate(self) -> float:
        marked = self.shifts_attended + self.no_shows
        return self.no_shows / marked if marked else 0.0


def volunteer_records(volunteer_ids: list[int]) -> dict[int, VolunteerRecord]:
    """Attendance history per volunteer (only shifts with a mark count), in one query."""
    hours: dict[int, list[float]] = {vid: [] for vid in volunteer_ids}
    missions: dict[int, set[int]] = {vid: set() for vid in volunteer_ids}
    no_shows = dict.fromkeys(volunteer_ids, 0)
    for signup in db.session.scalars(
        select(Signup)
        .join(Attendance, Attendance.signup_id == Signup.id)
        .where(Signup.volunteer_id.in_(volunteer_ids), Signup.status == SignupStatus.CONFIRMED)
        .options(
            joinedload(Signup.attendance), joinedload(Signup.position).joinedload(Position.shift)
        )
    ).unique():
        vid = signup.volunteer_id
        assert signup.attendance is not None  # joined on attendance above
        if signup.attendance.status in ARRIVED:
            hours[vid].append(hours_worked(signup))
            missions[vid].add(signup.mission_id)
        elif signup.attendance.status == AttendanceStatus.NO_SHOW:
            no_shows[vid] += 1
    return {
        vid: VolunteerRecord(
            len(missions[vid]), len(hours[vid]), no_shows[vid], round(sum(hours[vid]), 2)
        )
        for vid in volunteer_ids
    }


def send_thank_yous(mission: Mission, *, now: datetime | None = None) -> int:
    """Queue the optional thank-you SMS to everyone who came; once per volunteer and mission."""
    if mission.starts_at > (now or now_utc()):
        raise Conflict(
            gettext("the mission has not started yet: thank people after it"), field="mission"
        )
    report = mission_report(mission)
    people = {r.signup.volunteer_id: r.signup.volunteer for r in report.attended}
    queued = 0
    for volunteer in people.values():
        message = queue_sms(
            volunteer,
            "thank_you",
            kind="thank_you",
            mission_id=mission.id,
            idempotency_key=f"thank_you:{mission.id}:{volunteer.id}",
            mission=mission,
            animals=report.animals_moved,
        )
        queued += message is not None
    return queued

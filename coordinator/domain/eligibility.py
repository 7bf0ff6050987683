"""Who may book which place, and until when: one answer for SMS, the personal page, the
staff roster and the API.

`why_cannot_book` runs CHECKS in order and returns the first Refusal, or None. Each door
renders a Refusal in its own language (the SMS templates, `explain` for pages and the API);
signups.sign_up refuses with the same answer, so no door can book what another refuses.
To add a rule, write a check and put it in CHECKS; readiness (approval, age, waiver,
a qualification valid on the day) comes from coordinator.domain.readiness.

The rules:
- an opted-out volunteer gets no confirmation or reminder, so they are not booked (a
  walk-in, who is on site, is recorded all the same);
- volunteers answer while the mission recruits (or is staffed: they may join a waitlist);
  staff may also fill drafts and missions under way;
- answers are taken until the shift starts, from everyone; after that whoever turns up is
  recorded as a walk-in on the attendance page;
- the role's skill, and no other place held in an overlapping shift.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext
from sqlalchemy import ColumnElement, and_, exists, select

from coordinator.domain import readiness
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import (
    OPEN_STATUSES,
    Mission,
    MissionStatus,
    Position,
    Shift,
    Signup,
    SignupSource,
    Volunteer,
)
from coordinator.models.signups import HOLDS_PLACE


class Refusal(StrEnum):
    OPTED_OUT = "opted_out"
    MISSION_CLOSED = "mission_closed"
    SHIFT_STARTED = "shift_started"
    APPROVAL = "approval"
    SKILL = "skill"
    AGE = "age"
    WAIVER = "waiver"
    OVERLAP = "overlap"


# The mission statuses in which volunteers' answers are taken, and those staff may fill.
ANSWERING = (MissionStatus.RECRUITING, MissionStatus.STAFFED)
STAFF_FILLING = OPEN_STATUSES
VOLUNTEER_SOURCES = (SignupSource.SMS, SignupSource.WEB)


@dataclass(frozen=True)
class Booking:
    """One request for a place. `held`: the volunteer's live signups, when already loaded."""

    volunteer: Volunteer
    position: Position
    now: datetime
    source: str
    held: Sequence[Signup] | None = None

    @property
    def is_walk_in(self) -> bool:
        return self.source == SignupSource.WALK_IN


def _opted_out(booking: Booking) -> Refusal | None:
    if booking.volunteer.is_opted_out and not booking.is_walk_in:
        return Refusal.OPTED_OUT
    return None


def _mission_status(booking: Booking) -> Refusal | None:
    open_statuses = ANSWERING if booking.source in VOLUNTEER_SOURCES else STAFF_FILLING
    return None if booking.position.mission.status in open_statuses else Refusal.MISSION_CLOSED


def _shift_started(booking: Booking) -> Refusal | None:
    if booking.is_walk_in or booking.position.shift.starts_at > booking.now:
        return None
    return Refusal.SHIFT_STARTED


def _skill(booking: Booking) -> Refusal | None:
    """The role's skill, verified and still valid when the shift starts.

    A walk-in is placed by staff on site: the skill they record waits for a coordinator's
    check (attendance.add_walk_in), which must not keep the person off the roster.
    """
    shift = booking.position.shift
    if booking.is_walk_in or booking.volunteer.has_skill(
        booking.position.role.required_skill, shift.starts_at
    ):
        return None
    return Refusal.SKILL


READINESS = {"approval": Refusal.APPROVAL, "age": Refusal.AGE, "waiver": Refusal.WAIVER}


def _approved(booking: Booking) -> Refusal | None:
    """Only volunteers staff approved take places (a walk-in is on site: recorded anyway)."""
    if booking.is_walk_in:
        return None
    return (
        Refusal.APPROVAL
        if readiness.approval_problem(booking.volunteer, booking.position.role, booking.now)
        else None
    )


def _ready_for_role(booking: Booking) -> Refusal | None:
    """The role's minimum age on the day, and a waiver accepted within its validity."""
    role, at = booking.position.role, booking.position.shift.starts_at
    for check in (readiness.age_problem, readiness.waiver_problem):
        reason = check(booking.volunteer, role, at)
        if reason:
            return READINESS[reason]
    return None


def _overlap(booking: Booking) -> Refusal | None:
    return Refusal.OVERLAP if clashing_signup(booking) is not None else None


class BookingRefused(Conflict):
    """A Conflict that says which rule refused, so a door can word it for its reader."""

    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message, field="position")
        self.refusal = refusal


Check = Callable[[Booking], Refusal | None]
CHECKS: list[Check] = [
    _opted_out,
    _mission_status,
    _shift_started,
    _approved,
    _skill,
    _ready_for_role,
    _overlap,
]


def why_cannot_book(
    volunteer: Volunteer,
    position: Position,
    *,
    now: datetime,
    source: str,
    held: Sequence[Signup] | None = None,
) -> Refusal | None:
    """Why the volunteer may not take (or wait for) this place now; None if they may.

    `held` is the volunteer's live signups if the caller loaded them (a menu checks many
    positions with one query); otherwise the overlap check asks the database.
    """
    booking = Booking(volunteer, position, now, source, held)
    for check in CHECKS:
        refusal = check(booking)
        if refusal is not None:
            return refusal
    return None


def check_can_book(
    volunteer: Volunteer,
    position: Position,
    *,
    now: datetime,
    source: str,
    held: Sequence[Signup] | None = None,
) -> None:
    """Raise BookingRefused, explained in the current language, if the volunteer may not book."""
    refusal = why_cannot_book(volunteer, position, now=now, source=source, held=held)
    if refusal is not None:
        booking = Booking(volunteer, position, now, source, held)
        raise BookingRefused(refusal, explain(refusal, booking))


def explain(refusal: Refusal, booking: Booking) -> str:
    """A refusal in words, for the staff pages, the personal page and the API."""
    volunteer, position = booking.volunteer, booking.position
    if refusal == Refusal.OPTED_OUT:
        return gettext(
            "%(name)s has opted out of SMS: record their opt-in before booking them",
            name=volunteer.name,
        )
    if refusal == Refusal.MISSION_CLOSED:
        return gettext("mission %(code)s is not taking sign-ups now", code=position.mission.code)
    if refusal == Refusal.SHIFT_STARTED:
        return gettext(
            "this shift has started: it takes no more sign-ups (someone who turns "
            "up is recorded as a walk-in)"
        )
    if refusal == Refusal.SKILL:
        return gettext(
            "%(role)s needs the skill %(skill)r",
            role=position.role.name,
            skill=position.role.required_skill,
        )
    if refusal in (Refusal.APPROVAL, Refusal.AGE, Refusal.WAIVER):
        return readiness.explain(refusal.value, position.role)
    clash = clashing_signup(booking)
    return gettext(
        "%(name)s already has a place in an overlapping shift (%(role)s, mission %(code)s)",
        name=volunteer.name,
        role=clash.position.role.name if clash else "",
        code=clash.mission.code if clash else "",
    )


def clashing_signup(booking: Booking) -> Signup | None:
    """A place the volunteer holds in another position whose shift overlaps this one."""
    shift, position_id = booking.position.shift, booking.position.id
    if booking.held is not None:
        return next(
            (
                s
                for s in booking.held
                if s.status in HOLDS_PLACE
                and s.position_id != position_id
                and _overlaps(s.position.shift, shift)
            ),
            None,
        )
    return db.session.scalar(
        select(Signup)
        .join(Position, Signup.position_id == Position.id)
        .join(Shift, Position.shift_id == Shift.id)
        .where(
            Signup.volunteer_id == booking.volunteer.id,
            Signup.status.in_(HOLDS_PLACE),
            Signup.position_id != position_id,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
        .limit(1)
    )


def _overlaps(a: Shift, b: Shift) -> bool:
    return a.starts_at < b.ends_at and a.ends_at > b.starts_at


def takes_answers(now: datetime) -> ColumnElement[bool]:
    """SQL: the mission takes volunteers' answers now (status, and a shift not yet started).

    What the open call-outs of the SMS menus and the personal page's list of missions show;
    why_cannot_book is the per-place answer.
    """
    return and_(
        Mission.status.in_(ANSWERING),
        exists().where(Shift.mission_id == Mission.id, Shift.starts_at > now),
    )

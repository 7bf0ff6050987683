"""Booking: taking a place, cancelling it, and moving the waitlist up.

Capacity is decided by one conditional UPDATE whose row count says whether the place
was taken, so two volunteers racing for the last place can never both get it, on
PostgreSQL (row lock, re-check) and SQLite (one writer at a time) alike; the check
constraint on positions.filled backs it up.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError

from coordinator.domain import missions as mission_rules
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import (
    MissionStatus,
    Position,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    Vehicle,
    Volunteer,
)
from coordinator.models.signups import HOLDS_PLACE
from coordinator.timeutil import now_utc

# Volunteers answer a call-out only while it recruits; staff may also fill drafts by hand.
BOOKABLE = {
    SignupSource.SMS: (MissionStatus.RECRUITING, MissionStatus.STAFFED),
    SignupSource.WEB: (MissionStatus.RECRUITING, MissionStatus.STAFFED),
}
STAFF_BOOKABLE = (
    MissionStatus.DRAFT,
    MissionStatus.RECRUITING,
    MissionStatus.STAFFED,
    MissionStatus.UNDERWAY,
)
LATE_CANCEL_WINDOW = timedelta(hours=24)


def take_place(position_id: int) -> bool:
    """Atomically count one more person in a position; False if it was already full."""
    result = db.session.execute(
        update(Position)
        .where(Position.id == position_id, Position.filled < Position.capacity)
        .values(filled=Position.filled + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_place(position_id: int) -> None:
    """Count one person fewer in a position."""
    db.session.execute(
        update(Position)
        .where(Position.id == position_id, Position.filled > 0)
        .values(filled=Position.filled - 1)
        .execution_options(synchronize_session=False)
    )


def live_signup(volunteer: Volunteer, position: Position) -> Signup | None:
    """The volunteer's confirmed, offered or waitlisted signup for this position, if any."""
    return db.session.scalar(
        select(Signup).where(
            Signup.volunteer_id == volunteer.id,
            Signup.position_id == position.id,
            Signup.status != SignupStatus.CANCELLED,
        )
    )


def overlapping_signup(volunteer: Volunteer, shift: Shift) -> Signup | None:
    """A place the volunteer already holds in a shift that overlaps `shift`."""
    return db.session.scalar(
        select(Signup)
        .join(Position, Signup.position_id == Position.id)
        .join(Shift, Position.shift_id == Shift.id)
        .where(
            Signup.volunteer_id == volunteer.id,
            Signup.status.in_(HOLDS_PLACE),
            and_(Shift.starts_at < shift.ends_at, Shift.ends_at > shift.starts_at),
        )
        .limit(1)
    )


def check_can_book(volunteer: Volunteer, position: Position, source: str) -> None:
    """Raise Conflict if the mission is closed to this source or the volunteer lacks the skill."""
    mission = position.mission
    allowed = BOOKABLE.get(SignupSource(source), STAFF_BOOKABLE)
    if mission.status not in allowed:
        raise Conflict(f"mission {mission.code} is {mission.status}, not taking sign-ups")
    skill = position.role.required_skill
    if skill and not volunteer.has_skill(skill):
        raise Conflict(f"{position.role.name} needs the skill {skill!r}", field="position")


def sign_up(
    volunteer: Volunteer,
    position: Position,
    *,
    source: str,
    vehicle: Vehicle | None = None,
    waitlist: bool = True,
) -> Signup:
    """Give the volunteer a place in the position, or a waitlist spot when it is full.

    Asking again for a position they already hold returns the existing signup. With
    `waitlist=False` a full position raises Conflict instead.
    """
    check_can_book(volunteer, position, source)
    existing = live_signup(volunteer, position)
    if existing is not None:
        return existing
    clash = overlapping_signup(volunteer, position.shift)
    if clash is not None:
        raise Conflict(
            f"{volunteer.name} already has a place in an overlapping shift "
            f"({clash.position.role.name}, mission {clash.mission.code})",
            field="position",
        )
    signup = Signup(
        volunteer=volunteer,
        position=position,
        mission_id=position.mission_id,
        source=source,
        vehicle=vehicle,
    )
    try:
        with db.session.begin_nested():
            if take_place(position.id):
                signup.status = SignupStatus.CONFIRMED
                signup.confirmed_at = now_utc()
            elif waitlist:
                signup.status = SignupStatus.WAITLISTED
            else:
                raise Conflict(f"{position.role.name} in this shift is full", field="position")
            db.session.add(signup)
    except IntegrityError:
        # The same volunteer's other request won the race for this position.
        existing = live_signup(volunteer, position)
        if existing is None:
            raise
        return existing
    db.session.refresh(position, ["filled"])
    mission_rules.refresh_fill_status(position.mission)
    return signup


def cancel(signup: Signup, *, reason: str = "") -> Signup | None:
    """Cancel a signup; a freed place is offered to the first on the waitlist.

    Returns the promoted (offered) signup, if any, so the caller can tell the mission team.
    """
    if signup.status == SignupStatus.CANCELLED:
        return None
    held = signup.holds_place
    now = now_utc()
    signup.is_late_cancel = held and signup.position.shift.starts_at - now < LATE_CANCEL_WINDOW
    signup.status = SignupStatus.CANCELLED
    signup.cancelled_at = now
    signup.cancel_reason = reason
    signup.offer_expires_at = None
    db.session.flush()
    if not held:
        return None
    release_place(signup.position_id)
    promoted = offer_to_waitlist(signup.position)
    db.session.refresh(signup.position, ["filled"])
    mission_rules.refresh_fill_status(signup.mission)
    return promoted


def offer_to_waitlist(position: Position) -> Signup | None:
    """Hold a free place for the first waitlisted volunteer, who must confirm in time."""
    first = db.session.scalar(
        select(Signup)
        .where(Signup.position_id == position.id, Signup.status == SignupStatus.WAITLISTED)
        .order_by(Signup.created_at, Signup.id)
        .limit(1)
    )
    if first is None or not take_place(position.id):
        return None
    minutes = current_app.config["WAITLIST_OFFER_MINUTES"]
    first.status = SignupStatus.OFFERED
    first.offer_expires_at = now_utc() + timedelta(minutes=minutes)
    db.session.flush()
    return first


def accept_offer(signup: Signup) -> Signup:
    """The waitlisted volunteer said yes to a held place in time: confirm it."""
    if signup.status != SignupStatus.OFFERED:
        raise Conflict("there is no place held for you any more", field="signup")
    if signup.offer_expires_at is not None and signup.offer_expires_at < now_utc():
        raise Conflict("the place held for you has expired", field="signup")
    signup.status = SignupStatus.CONFIRMED
    signup.confirmed_at = now_utc()
    signup.offer_expires_at = None
    db.session.flush()
    return signup


def expire_offer(signup: Signup) -> Signup | None:
    """An offer ran out: back to the end of the waitlist, and the place moves on."""
    if signup.status != SignupStatus.OFFERED:
        return None
    signup.status = SignupStatus.WAITLISTED
    signup.offer_expires_at = None
    signup.created_at = now_utc()  # to the back of the queue, so the next person gets a turn
    db.session.flush()
    release_place(signup.position_id)
    promoted = offer_to_waitlist(signup.position)
    if promoted is not None and promoted.id == signup.id:
        # Nobody else is waiting: keep the place free rather than re-offer it to them.
        promoted.status = SignupStatus.WAITLISTED
        promoted.offer_expires_at = None
        release_place(signup.position_id)
        promoted = None
    db.session.flush()
    db.session.refresh(signup.position, ["filled"])
    mission_rules.refresh_fill_status(signup.mission)
    return promoted

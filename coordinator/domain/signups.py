"""Booking: taking a place, cancelling it, and moving the waitlist up.

Capacity is decided by one conditional UPDATE whose row count says whether the place
was taken, so two volunteers racing for the last place can never both get it, on
PostgreSQL (row lock, re-check) and SQLite (one writer at a time) alike; the check
constraint on positions.filled backs it up.
"""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from coordinator.database import insert_unless_exists, rowcount
from coordinator.domain import eligibility
from coordinator.domain import missions as mission_rules
from coordinator.domain import signup_notices as notices
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import (
    Position,
    Shift,
    Signup,
    SignupStatus,
    Vehicle,
    Volunteer,
)
from coordinator.models.signups import HOLDS_PLACE, LIVE_SIGNUP_INDEX_WHERE
from coordinator.timeutil import now_utc

LATE_CANCEL_WINDOW = timedelta(hours=24)


def claim_place(position_id: int) -> bool:
    """Atomically count one more person in a position; False if it was already full."""
    return _claim_place(position_id) is not None


def _claim_place(position_id: int) -> int | None:
    """The position's new `filled` after counting one more person, or None if it was full.

    RETURNING hands back the new count in the same round trip, so the caller needs no
    second query while it holds the row lock (the lock is what queues racing bookings).
    """
    return db.session.execute(
        update(Position)
        .where(Position.id == position_id, Position.filled < Position.capacity)
        .values(filled=Position.filled + 1)
        .returning(Position.filled)
        .execution_options(synchronize_session=False)
    ).scalar()


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


def sign_up(
    volunteer: Volunteer,
    position: Position,
    *,
    source: str,
    vehicle: Vehicle | None = None,
    waitlist: bool = True,
    now: datetime | None = None,
) -> Signup:
    """Give the volunteer a place in the position, or a waitlist spot when it is full.

    Whether they may is eligibility.why_cannot_book's answer (Conflict if not). Asking
    again for a position they already hold returns the existing signup. With
    `waitlist=False` a full position raises Conflict instead.
    """
    now = now or now_utc()
    found = _held_or_clashing(volunteer, position)
    eligibility.check_can_book(volunteer, position, now=now, source=source, held=found)
    existing = next((s for s in found if s.position_id == position.id), None)
    if existing is not None:
        return existing
    filled = _claim_place(position.id)
    if filled is None and not waitlist:
        raise Conflict(
            gettext("%(role)s in this shift is full", role=position.role.name), field="position"
        )
    if vehicle is not None and vehicle.id is None:
        db.session.flush()
    signup = db.session.scalar(
        # No savepoint: a live signup the same volunteer's other request just committed
        # makes this insert nothing (the unique index), instead of failing the transaction.
        insert_unless_exists(
            Signup, conflict_on=["volunteer_id", "position_id"], where=LIVE_SIGNUP_INDEX_WHERE
        )
        .values(
            volunteer_id=volunteer.id,
            position_id=position.id,
            mission_id=position.mission_id,
            source=source,
            vehicle_id=vehicle.id if vehicle is not None else None,
            status=SignupStatus.CONFIRMED if filled is not None else SignupStatus.WAITLISTED,
            confirmed_at=now if filled is not None else None,
            created_at=now,
        )
        .returning(Signup)
    )
    if signup is None:  # the same volunteer's other request won the race for this position
        if filled is not None:
            release_place(position.id)
        existing = live_signup(volunteer, position)
        assert existing is not None  # the live row our insert conflicted with
        return existing
    if filled is not None:
        set_committed_value(position, "filled", filled)
        if filled >= position.capacity:  # only the last place can make the mission full
            mission_rules.refresh_fill_status(position.mission)
    return signup


def _held_or_clashing(volunteer: Volunteer, position: Position) -> list[Signup]:
    """Their live signup for this position, and the places they hold in overlapping shifts.

    One query for the two checks every booking makes before it takes a place.
    """
    shift = position.shift
    found = db.session.scalars(
        select(Signup)
        .join(Position, Signup.position_id == Position.id)
        .join(Shift, Position.shift_id == Shift.id)
        .where(
            Signup.volunteer_id == volunteer.id,
            Signup.status != SignupStatus.CANCELLED,
            or_(
                Signup.position_id == position.id,
                and_(
                    Signup.status.in_(HOLDS_PLACE),
                    Shift.starts_at < shift.ends_at,
                    Shift.ends_at > shift.starts_at,
                ),
            ),
        )
    ).all()
    return list(found)


def _move(signup: Signup, from_statuses: tuple[str, ...], **values: object) -> bool:
    """Change a signup's status only if it is still in `from_statuses`; False if it was not.

    A conditional UPDATE, so two doors acting on the same signup at once (a cancel by SMS and
    one on the roster, an acceptance racing the expiry sweep) cannot both move it.
    """
    result = db.session.execute(
        update(Signup)
        .where(Signup.id == signup.id, Signup.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(signup)
    return rowcount(result) == 1


def cancel(signup: Signup, *, reason: str = "", by_staff: bool = False) -> Signup | None:
    """Cancel a signup; a freed place is offered to the first on the waitlist.

    A volunteer's cancellation within 24 h of the shift is a late cancel: it alerts the
    mission's coordinator and team leads. Staff removing or moving someone is not.
    Returns the promoted (offered) signup, if any.
    """
    db.session.flush()
    if signup.status == SignupStatus.CANCELLED:
        return None
    held = signup.holds_place
    now = now_utc()
    late = not by_staff and held and signup.position.shift.starts_at - now < LATE_CANCEL_WINDOW
    moved = _move(
        signup,
        (signup.status,),
        status=SignupStatus.CANCELLED,
        cancelled_at=now,
        cancel_reason=reason,
        offer_expires_at=None,
        is_late_cancel=late,
    )
    if not moved or not held:
        return None
    if late:
        notices.alert_late_cancel(signup)
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
    if first is None or not claim_place(position.id):
        return None
    minutes = current_app.config["WAITLIST_OFFER_MINUTES"]
    first.status = SignupStatus.OFFERED
    first.offer_expires_at = now_utc() + timedelta(minutes=minutes)
    db.session.flush()
    notices.tell_offered(first)
    return first


def accept_offer(signup: Signup) -> Signup:
    """The waitlisted volunteer said yes to a held place in time: confirm it."""
    now = now_utc()
    if signup.status == SignupStatus.OFFERED and (
        signup.offer_expires_at is not None and signup.offer_expires_at < now
    ):
        raise Conflict(gettext("the place held for you has expired"), field="signup")
    confirmed = _move(
        signup,
        (SignupStatus.OFFERED,),
        status=SignupStatus.CONFIRMED,
        confirmed_at=now,
        offer_expires_at=None,
    )
    if not confirmed:
        raise Conflict(gettext("there is no place held for you any more"), field="signup")
    return signup


def expire_offer(signup: Signup) -> Signup | None:
    """An offer ran out: back to the end of the waitlist, and the place moves on."""
    db.session.flush()
    # To the back of the queue (created_at), so the next person gets a turn.
    moved = _move(
        signup,
        (SignupStatus.OFFERED,),
        status=SignupStatus.WAITLISTED,
        offer_expires_at=None,
        created_at=now_utc(),
    )
    if not moved:
        return None
    release_place(signup.position_id)
    others_waiting = db.session.scalar(
        select(Signup.id)
        .where(
            Signup.position_id == signup.position_id,
            Signup.status == SignupStatus.WAITLISTED,
            Signup.id != signup.id,
        )
        .limit(1)
    )
    # With nobody else waiting the place stays free rather than going back to them.
    promoted = offer_to_waitlist(signup.position) if others_waiting else None
    db.session.refresh(signup.position, ["filled"])
    mission_rules.refresh_fill_status(signup.mission)
    return promoted


def expire_due_offers(now: datetime | None = None) -> int:
    """Expire every held place whose answer time has passed; returns how many expired."""
    cutoff = now or now_utc()
    due = db.session.scalars(
        select(Signup)
        .where(Signup.status == SignupStatus.OFFERED, Signup.offer_expires_at < cutoff)
        .order_by(Signup.offer_expires_at, Signup.id)
    ).all()
    expired = 0
    for signup in due:
        expire_offer(signup)
        if signup.status == SignupStatus.WAITLISTED:  # not accepted in the meantime
            expired += 1
            notices.tell_offer_expired(signup)
    return expired

"""Who is on the way: what a confirmed volunteer says on the day, and what the team lead sees.

A volunteer can say "on my way, about N minutes" or "running late" from a few hours before
their shift until it ends; "can't come after all" is a cancellation (signups.cancel), which
alerts the team lead at once when it is late. The team lead's day page shows, per shift,
who is on the way and when they expect to arrive, who is late against the shift start, and
who has said nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from coordinator.errors import Conflict, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.models import AttendanceStatus, Signup, SignupStatus, Volunteer
from coordinator.timeutil import now_utc

OPENS_BEFORE = timedelta(hours=6)
MAX_MINUTES = 600
ON_THE_WAY = "on_the_way"
RUNNING_LATE = "running_late"
ARRIVED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


def _own_signup(volunteer: Volunteer, signup_id: int) -> Signup:
    signup = db.session.get(Signup, signup_id)
    if signup is None or signup.volunteer_id != volunteer.id:
        raise NotFound(gettext("That place is not yours."), field="signup")
    if signup.status != SignupStatus.CONFIRMED:
        raise Conflict(gettext("This place is not confirmed."), field="signup")
    return signup


def can_say(signup: Signup, now: datetime) -> bool:
    """On the day: from OPENS_BEFORE the shift until it ends, for a confirmed place."""
    shift = signup.position.shift
    return (
        signup.status == SignupStatus.CONFIRMED
        and shift.starts_at - OPENS_BEFORE <= now < shift.ends_at
    )


def minutes_error() -> ValidationError:
    return ValidationError(
        gettext("Minutes must be a whole number from 0 to %(max)d.", max=MAX_MINUTES),
        field="minutes",
    )


def say(
    volunteer: Volunteer,
    signup_id: int,
    status: str,
    *,
    minutes: int | None,
    now: datetime | None = None,
) -> Signup:
    """Record "on my way, about N minutes" or "running late" for one of the volunteer's places."""
    now = now or now_utc()
    if status not in (ON_THE_WAY, RUNNING_LATE):
        raise ValidationError(gettext("Say you are on your way or running late."), field="status")
    if minutes is not None and not 0 <= minutes <= MAX_MINUTES:
        raise minutes_error()
    signup = _own_signup(volunteer, signup_id)
    if not can_say(signup, now):
        raise Conflict(
            gettext(
                "You can say this from %(hours)d hours before your shift until it ends.",
                hours=OPENS_BEFORE.seconds // 3600 or 6,
            ),
            field="signup",
        )
    signup.travel_status = status
    signup.expected_at = now + timedelta(minutes=minutes) if minutes is not None else None
    signup.travel_said_at = now
    db.session.flush()
    return signup


@dataclass(frozen=True)
class Traveller:
    signup: Signup
    state: str  # here, on_the_way, running_late, late, silent
    expected_at: datetime | None
    minutes_late: int  # against the shift start; 0 if not (yet) late


def traveller(signup: Signup, now: datetime) -> Traveller:
    """Where one confirmed volunteer stands on the day, as the team lead sees it."""
    starts = signup.position.shift.starts_at
    att = signup.attendance
    if att is not None and att.status in ARRIVED:
        return Traveller(signup, "here", None, 0)
    expected = signup.expected_at
    late_by = max(expected - starts, now - starts) if expected else now - starts
    minutes_late = max(int(late_by.total_seconds() // 60), 0)
    if signup.travel_status == RUNNING_LATE:
        return Traveller(signup, RUNNING_LATE, expected, minutes_late)
    if signup.travel_status == ON_THE_WAY:
        return Traveller(signup, ON_THE_WAY, expected, minutes_late)
    return Traveller(signup, "late" if now > starts else "silent", None, minutes_late)


ORDER = {"late": 0, RUNNING_LATE: 1, ON_THE_WAY: 2, "silent": 3, "here": 4}


def travel_board(roster: list[Signup], now: datetime | None = None) -> list[Traveller]:
    """The shift's confirmed volunteers by what the team lead must act on first."""
    now = now or now_utc()
    people = [traveller(s, now) for s in roster if s.status == SignupStatus.CONFIRMED]
    return sorted(
        people, key=lambda t: (ORDER[t.state], t.expected_at or now, t.signup.volunteer.name)
    )


def day_places(volunteer: Volunteer, now: datetime | None = None) -> list[Signup]:
    """The volunteer's confirmed places they can report on now."""
    now = now or now_utc()
    signups = db.session.scalars(
        select(Signup).where(
            Signup.volunteer_id == volunteer.id, Signup.status == SignupStatus.CONFIRMED
        )
    ).all()
    return [s for s in signups if can_say(s, now)]

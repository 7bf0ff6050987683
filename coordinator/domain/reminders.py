"""Reminders before a shift: which are due now, and queueing each exactly once.

Nothing is scheduled ahead: a periodic sweep asks "what is due and not yet sent?", so a
beat or worker that was down sends what is still useful when it comes back. The outbox's
idempotency key (reminder:{kind}:{signup_id}) makes every reminder go out once.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.links import personal_url
from coordinator.models import (
    OPEN_STATUSES,
    Message,
    Mission,
    Position,
    Shift,
    Signup,
    SignupStatus,
    Volunteer,
)
from coordinator.sms.outbox import queue_sms
from coordinator.timeutil import in_quiet_hours, local_zone, now_utc, to_local

# Far enough ahead to cover a day-before reminder for a shift late the next day.
LOOKAHEAD = timedelta(days=3)


class Kind(StrEnum):
    DAY_BEFORE = "day_before"
    SAME_DAY = "same_day"
    WAITLISTED = "waitlisted"


TEMPLATES = {
    Kind.DAY_BEFORE: "reminder_day_before",
    Kind.SAME_DAY: "reminder_same_day",
    Kind.WAITLISTED: "reminder_waitlisted",
}


@dataclass(frozen=True)
class Reminder:
    kind: Kind
    signup: Signup

    @property
    def key(self) -> str:
        return f"reminder:{self.kind}:{self.signup.id}"


def due_times(starts_at: datetime) -> tuple[datetime, datetime]:
    """(day-before time, same-day time) for a shift, from config, in UTC."""
    config = current_app.config
    at = time.fromisoformat(config["REMINDER_DAY_BEFORE_AT"])
    eve = to_local(starts_at).date() - timedelta(days=1)
    day_before = datetime.combine(eve, at, tzinfo=local_zone())
    same_day = starts_at - timedelta(minutes=config["REMINDER_SAME_DAY_MINUTES"])
    return day_before.astimezone(UTC), same_day


def kind_due(signup: Signup, now: datetime) -> Kind | None:
    """The one reminder this signup should get at `now`, if any.

    Never after the start, never in quiet hours unless the shift itself starts in them;
    the day-before reminder gives way once the same-day one is due.
    """
    starts_at = signup.position.shift.starts_at
    if now >= starts_at:
        return None
    if in_quiet_hours(now) and not in_quiet_hours(starts_at):
        return None
    day_before, same_day = due_times(starts_at)
    if signup.status == SignupStatus.CONFIRMED:
        if now >= same_day:
            return Kind.SAME_DAY
        return Kind.DAY_BEFORE if now >= day_before else None
    if signup.status == SignupStatus.WAITLISTED and day_before <= now < same_day:
        return Kind.WAITLISTED
    return None


def due_reminders(now: datetime | None = None) -> list[Reminder]:
    """Every reminder due at `now` and not yet queued, in two queries."""
    now = now or now_utc()
    candidates = db.session.scalars(
        select(Signup)
        .join(Position, Signup.position_id == Position.id)
        .join(Shift, Position.shift_id == Shift.id)
        .join(Mission, Signup.mission_id == Mission.id)
        .join(Volunteer, Signup.volunteer_id == Volunteer.id)
        .where(
            Signup.status.in_((SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)),
            Shift.starts_at > now,
            Shift.starts_at <= now + LOOKAHEAD,
            Mission.status.in_(OPEN_STATUSES),
            Volunteer.opted_out_at.is_(None),
        )
        .options(
            joinedload(Signup.volunteer),
            joinedload(Signup.position).joinedload(Position.shift),
            joinedload(Signup.position).joinedload(Position.role),
            joinedload(Signup.mission).selectinload(Mission.team_leads),
        )
        .order_by(Shift.starts_at, Signup.id)
    ).unique()
    due = [Reminder(kind, s) for s in candidates if (kind := kind_due(s, now)) is not None]
    if not due:
        return []
    sent = set(
        db.session.scalars(
            select(Message.idempotency_key).where(Message.idempotency_key.in_([r.key for r in due]))
        )
    )
    return [r for r in due if r.key not in sent]


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder due now; returns how many were queued."""
    now = now or now_utc()
    queued = 0
    for reminder in due_reminders(now):
        queued += _queue(reminder, now) is not None
    return queued


def _queue(reminder: Reminder, now: datetime) -> Message | None:
    signup = reminder.signup
    volunteer, mission = signup.volunteer, signup.mission
    starts_at = signup.position.shift.starts_at
    until_start = int((starts_at - now).total_seconds())
    return queue_sms(
        volunteer,
        TEMPLATES[reminder.kind],
        kind="reminder",
        idempotency_key=reminder.key,
        mission_id=mission.id,
        # A reminder delivered after the shift started is noise: let the carrier drop it.
        validity_seconds=max(60, min(until_start, current_app.config["SMS_VALIDITY_PERIOD"])),
        **reminder_context(signup, now),
    )


def reminder_context(signup: Signup, now: datetime) -> dict:
    """What the reminder templates show: when, where, with whom, what to bring, the link."""
    volunteer, mission = signup.volunteer, signup.mission
    starts_at = signup.position.shift.starts_at
    leads = mission.team_leads
    return {
        "mission": mission,
        "role": signup.position.role.name,
        "days_ahead": (to_local(starts_at).date() - to_local(now).date()).days,
        "date": format_local(starts_at, "date", volunteer.language),
        "time": format_local(starts_at, "time", volunteer.language),
        "meeting_point": mission.meeting_point or mission.area,
        "lead": leads[0].name if leads else "",
        "bring": " ".join(mission.what_to_bring.split()),
        "link": personal_url(volunteer, mission.id),
    }

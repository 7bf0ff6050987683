"""Consent to receive SMS: opting out and back in, from every door, with one effect.

A volunteer opts out by texting STOP, on their personal page, through staff (web or API),
or at the provider (Twilio error 21610). Whichever door it is, the time is recorded and
every message still queued for them is cancelled, whatever its kind (call-out, reminder,
waitlist offer, team message), except the confirmation of the opt-out itself. The outbox's
claim step (sms.delivery.claim) asks `may_receive` too, so a message queued in the moment
between is never handed to the provider either.
"""

from datetime import datetime
from enum import StrEnum
from typing import cast

from flask_babel import gettext
from sqlalchemy import ColumnElement, CursorResult, exists, or_, update

from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import Direction, Message, MessageStatus, Volunteer
from coordinator.timeutil import now_utc

# The kind of the one message an opted-out volunteer still gets: "you are unsubscribed".
CONFIRMATION_KIND = "opt_out_confirmation"
MIN_NOTE = 5


class Source(StrEnum):
    SMS = "sms"
    PERSONAL_PAGE = "personal_page"
    STAFF = "staff"  # the staff web page and the API
    PROVIDER = "provider"  # the provider refused the number: the person unsubscribed there


OPT_OUT_NOTES = {
    Source.SMS: "replied STOP by SMS",
    Source.PERSONAL_PAGE: "opted out on their personal page",
    Source.STAFF: "opted out (recorded by staff)",
    Source.PROVIDER: "Twilio 21610: unsubscribed at the provider",
}
OPT_IN_NOTES = {
    Source.SMS: "replied START by SMS",
    Source.PERSONAL_PAGE: "asked again on their personal page",
}


def opt_out(
    volunteer: Volunteer, *, source: str, now: datetime | None = None, note: str = ""
) -> int:
    """Stop every message to the volunteer: record when, cancel what is queued; returns how many.

    Opting out twice keeps the first time; a note given (staff say who asked, and how) replaces
    the old one.
    """
    now = now or now_utc()
    source = Source(source)
    if volunteer.opted_out_at is None:
        volunteer.opted_out_at = now
        volunteer.opt_out_note = note.strip() or OPT_OUT_NOTES[source]
    elif note.strip():
        volunteer.opt_out_note = note.strip()
    db.session.flush()
    return cancel_queued(volunteer.id, now)


def opt_in(
    volunteer: Volunteer, *, source: str, now: datetime | None = None, note: str = ""
) -> None:
    """The volunteer asked to receive messages again; staff must say who asked, and how."""
    source = Source(source)
    note = note.strip() or OPT_IN_NOTES.get(source, "")
    if not volunteer.is_opted_out:
        return
    if len(note) < MIN_NOTE:
        raise ValidationError(
            gettext("say who asked to receive messages again, and how, before clearing an opt-out"),
            field="note",
        )
    volunteer.opted_out_at = None
    volunteer.opt_out_note = f"cleared: {note}"
    db.session.flush()


def cancel_queued(volunteer_id: int, now: datetime) -> int:
    """Cancel every outbound message still queued for the volunteer, but the confirmation."""
    result = db.session.execute(
        update(Message)
        .where(
            Message.volunteer_id == volunteer_id,
            Message.status == MessageStatus.QUEUED,
            Message.direction == Direction.OUTBOUND,
            Message.kind != CONFIRMATION_KIND,
        )
        .values(
            status=MessageStatus.CANCELLED,
            status_updated_at=now,
            error_message="volunteer opted out",
        )
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult, result).rowcount


def may_receive() -> ColumnElement[bool]:
    """SQL: the message row may go to its recipient (staff alerts have no volunteer)."""
    opted_out = exists().where(
        Volunteer.id == Message.volunteer_id, Volunteer.opted_out_at.is_not(None)
    )
    return or_(~opted_out, Message.kind == CONFIRMATION_KIND)


def may_queue(volunteer: Volunteer, kind: str) -> bool:
    """Whether a message of this kind may be queued for the volunteer now."""
    return not volunteer.is_opted_out or kind == CONFIRMATION_KIND

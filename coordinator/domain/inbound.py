"""Every SMS a volunteer sends: stored once per provider SID, answered, kept for the inbox.

The webhook and the simulator both come in through receive_sms. The inbound row is written
first, so a second delivery of the same MessageSid (Twilio retries, a replayed request) hits
the unique provider_sid, does nothing more and gets the first answer back.
"""

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import aliased, joinedload, lazyload

from coordinator.database import insert_unless_exists
from coordinator.domain import consent, conversation
from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    ConversationState,
    Direction,
    Message,
    MessageStatus,
    StaffUser,
    Volunteer,
)
from coordinator.phones import mask_phone, normalise_phone
from coordinator.sms.outbox import queue_sms
from coordinator.sms.parsing import parse_reply
from coordinator.sms.segments import count_segments
from coordinator.sms.texts import render_sms
from coordinator.timeutil import now_utc

log = logging.getLogger(__name__)

_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_BODY = 5000  # Twilio caps bodies at 1,600 characters; anything longer is not from it
MAX_HAND_REPLY = 600
INBOUND_KIND = "reply"
ANSWER_KIND = "answer"
ANSWER_KINDS = (ANSWER_KIND, consent.CONFIRMATION_KIND)  # what the conversation answers with


@dataclass(frozen=True)
class Received:
    """The stored inbound SMS and the text we answered it with (empty: we send nothing)."""

    message_id: int
    answer_text: str


def storable(text: str) -> str:
    """`text` without control characters (NUL, which PostgreSQL refuses, and the rest; tabs
    and line breaks stay) or lone surrogates: an inbound message is stored, never lost."""
    return _UNSTORABLE.sub("", text or "")


def receive_sms(
    *, sender: str, body: str, provider_sid: str, now: datetime | None = None
) -> Received:
    """Store an inbound SMS once per provider SID and answer it; a repeat gets the first answer.

    The INSERT that stores the message is also the duplicate check (ON CONFLICT DO NOTHING
    on the unique provider_sid): a repeat, even one racing the first delivery, inserts
    nothing and reads back the answer the first one committed.
    """
    provider_sid, sender, body = storable(provider_sid), storable(sender), storable(body)
    if not provider_sid or len(provider_sid) > 64:
        raise ValidationError("a MessageSid of up to 64 characters is required", field="MessageSid")
    now = now or now_utc()
    phone = _phone(sender)
    text = body[:MAX_BODY]
    # With their conversation state in the same query; skills are read only when a
    # position needs one (most replies never touch them).
    volunteer, saved = db.session.execute(
        select(Volunteer, ConversationState)
        .outerjoin(ConversationState, ConversationState.volunteer_id == Volunteer.id)
        .where(Volunteer.phone == phone)
        .options(lazyload(Volunteer.skills))
    ).first() or (None, None)
    message_id = db.session.scalar(
        insert_unless_exists(Message, conflict_on=["provider_sid"])
        .values(
            direction=Direction.INBOUND,
            volunteer_id=volunteer.id if volunteer else None,
            phone=phone,
            body=text,
            kind=INBOUND_KIND,
            status=MessageStatus.RECEIVED,
            provider_sid=provider_sid,
            segments=count_segments(text).segments,
            created_at=now,
        )
        .returning(Message.id)
    )
    if message_id is None:
        return _already_received(provider_sid)
    answer = _answer(volunteer, saved, phone, body, now)
    if answer.needs_attention or answer.mission_id is not None:
        db.session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(needs_attention=answer.needs_attention, mission_id=answer.mission_id)
            .execution_options(synchronize_session=False)
        )
    _record_answer(message_id, volunteer, phone, answer, now)
    return Received(message_id, answer.text)


def _already_received(provider_sid: str) -> Received:
    reply = aliased(Message)
    row = db.session.execute(
        select(Message.id, reply.body)
        .outerjoin(reply, (reply.in_reply_to_id == Message.id) & reply.kind.in_(ANSWER_KINDS))
        .where(Message.provider_sid == provider_sid)
    ).first()
    if row is None:  # cannot happen: the INSERT found this SID taken
        raise Conflict(f"message {provider_sid} could not be stored")
    return Received(row.id, row.body or "")


def _phone(sender: str) -> str:
    try:
        return normalise_phone(sender)
    except ValidationError:  # a short code or an alphanumeric sender: keep it as it came
        return (sender or "unknown").strip()[:20]


def _answer(
    volunteer: Volunteer | None,
    saved: ConversationState | None,
    phone: str,
    body: str,
    now: datetime,
) -> conversation.Answer:
    if volunteer is not None:
        return conversation.respond(volunteer, parse_reply(body), now=now, saved=saved)
    log.info("SMS from unregistered number %s; answered with how to register", mask_phone(phone))
    config = current_app.config
    text = render_sms(
        "unknown_number",
        "ko" if phone.startswith("+82") else "en",
        org=config["ORGANISATION_NAME"],
        contact=config.get("ORGANISATION_CONTACT") or "",
    )
    return conversation.Answer(text)


def _record_answer(
    inbound_id: int,
    volunteer: Volunteer | None,
    phone: str,
    answer: "conversation.Answer",
    now: datetime,
) -> None:
    if not answer.text:
        return
    # Sent in the webhook's TwiML answer, so it is `sent` as soon as we commit.
    db.session.execute(
        insert(Message).values(
            direction=Direction.OUTBOUND,
            volunteer_id=volunteer.id if volunteer else None,
            phone=phone,
            body=answer.text,
            kind=answer.kind,
            status=MessageStatus.SENT,
            sent_at=now,
            segments=count_segments(answer.text).segments,
            mission_id=answer.mission_id,
            in_reply_to_id=inbound_id,
            idempotency_key=f"answer:{inbound_id}",
            created_at=now,
        )
    )


# --- the coordinators' inbox ----------------------------------------------------------------


def needing_attention(limit: int = 200) -> list[Message]:
    """Inbound SMS the conversation could not settle, newest first."""
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.direction == Direction.INBOUND, Message.needs_attention.is_(True))
            .options(joinedload(Message.volunteer))
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        )
    )


def unread_count() -> int:
    """How many inbound SMS wait for a person (the number beside Inbox in the navigation)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.direction == Direction.INBOUND, Message.needs_attention.is_(True))
        )
        or 0
    )


def answers_to(messages: list[Message]) -> dict[int, list[Message]]:
    """Everything we sent back to each of these messages, by inbound message id."""
    found = db.session.scalars(
        select(Message)
        .where(Message.in_reply_to_id.in_([m.id for m in messages]))
        .order_by(Message.created_at, Message.id)
    )
    grouped: dict[int, list[Message]] = {}
    for answer in found:
        assert answer.in_reply_to_id is not None  # selected by it
        grouped.setdefault(answer.in_reply_to_id, []).append(answer)
    return grouped


def reply_by_hand(message: Message, text: str, *, staff: StaffUser) -> Message:
    """Queue a coordinator's own SMS answer to an inbound message and mark it handled."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError(gettext("write the answer to send"), field="text")
    if len(text) > MAX_HAND_REPLY:
        raise ValidationError(
            gettext(
                "keep the answer under %(max_hand_reply)s characters", max_hand_reply=MAX_HAND_REPLY
            ),
            field="text",
        )
    volunteer = message.volunteer
    if volunteer is None:
        raise Conflict(gettext("this number is not a registered volunteer; call them instead"))
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    sent = queue_sms(
        volunteer,
        "inbox_reply",
        kind="staff_reply",
        mission_id=message.mission_id,
        idempotency_key=f"inbox:{message.id}:{digest}",
        text=text,
    )
    if sent is None:
        raise Conflict(
            gettext("%(name)s has opted out of SMS; call them instead", name=volunteer.name)
        )
    sent.in_reply_to_id = message.id
    log.info("staff user %s answered inbound message %s by hand", staff.id, message.id)
    mark_handled(message)
    return sent


def mark_handled(message: Message) -> None:
    """Take a message out of the inbox."""
    message.needs_attention = False
    db.session.flush()


# --- the SMS simulator ----------------------------------------------------------------------


def simulate_reply(volunteer: Volunteer, text: str, *, now: datetime | None = None) -> Received:
    """Play the volunteer's phone: their typed reply goes through receive_sms like a real one."""
    if not (text or "").strip():
        raise ValidationError(gettext("type the reply the volunteer would send"), field="body")
    if len(text) > 1600:
        raise ValidationError(gettext("an SMS holds at most 1,600 characters"), field="body")
    sid = "SIM" + uuid.uuid4().hex  # never collides with Twilio's SM… ids
    return receive_sms(sender=volunteer.phone, body=text, provider_sid=sid, now=now)


def thread(volunteer: Volunteer, *, limit: int = 60) -> list[Message]:
    """The latest SMS to and from a volunteer, oldest first, as their phone would show them."""
    latest = db.session.scalars(
        select(Message)
        .where(Message.volunteer_id == volunteer.id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(latest))


def find_volunteers(query: str, *, limit: int = 30) -> list[Volunteer]:
    """Volunteers whose name or phone contains `query`, for picking whose phone to play."""
    statement = select(Volunteer).order_by(Volunteer.name, Volunteer.id).limit(limit)
    query = query.strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit()).lstrip("0")
        match: ColumnElement[bool] = Volunteer.name.ilike(f"%{query}%")
        if digits:
            match = match | Volunteer.phone.contains(digits)
        statement = statement.where(match)
    return list(db.session.scalars(statement))

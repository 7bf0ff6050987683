"""Delivery: claiming outbox rows, recording what the provider said, and status callbacks.

An outbound message moves queued > sending > sent > delivered | undelivered | failed, or
queued > cancelled (see models.messaging.MessageStatus). `sending` is a worker's claim,
committed before the provider call, so no other worker can send the row. Every change is a
conditional UPDATE that only moves a message forward (STATUS_ORDER): a status callback that
overtakes the worker's own record, or one that arrives twice or out of order, is harmless.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, and_, case, func, or_, select, update

from coordinator.database import rowcount
from coordinator.domain import consent
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import Direction, Message, MessageStatus, Volunteer
from coordinator.models.messaging import STATUS_ORDER
from coordinator.sms.gateway import (
    OPT_OUT_CODE,
    PERMANENT_CODES,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

# What Twilio reports, in our words: anything the provider holds counts as handed over.
PROVIDER_STATUSES = {
    "accepted": MessageStatus.SENT,
    "scheduled": MessageStatus.SENT,
    "queued": MessageStatus.SENT,
    "sending": MessageStatus.SENT,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.CANCELLED,
}


@dataclass(frozen=True)
class Claimed:
    """What a worker needs to hand a claimed message to the provider."""

    id: int
    phone: str
    body: str
    validity_seconds: int | None
    route: str | None = None
    message_type: str | None = None
    provider_options: dict | None = None


def describe_error(code: int | None) -> str:
    """A provider error code in words, for the coordinator's list of failures."""
    if code is None:
        return ""
    return PERMANENT_CODES.get(code, f"provider error {code}")


def _below(status: MessageStatus) -> list[str]:
    return [s.value for s, order in STATUS_ORDER.items() if order < STATUS_ORDER[status]]


def _advance(message_id: int, status: MessageStatus, now: datetime, **values: object) -> bool:
    result = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(_below(status)))
        .values(status=status, status_updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def still_queued(message_ids: list[int]) -> list[int]:
    """The ids, in order, whose rows are still waiting to be sent (a redelivered task skips)."""
    waiting = set(
        db.session.scalars(
            select(Message.id).where(
                Message.id.in_(message_ids), Message.status == MessageStatus.QUEUED
            )
        )
    )
    return [i for i in message_ids if i in waiting]


def queued_by_route(message_ids: list[int]) -> dict[str | None, list[int]]:
    """still_queued, grouped by the route each row was given when queued (None: not given)."""
    rows = dict(
        db.session.execute(
            select(Message.id, Message.route).where(
                Message.id.in_(message_ids), Message.status == MessageStatus.QUEUED
            )
        ).all()
    )
    groups: dict[str | None, list[int]] = {}
    for message_id in message_ids:
        if message_id in rows:
            groups.setdefault(rows[message_id], []).append(message_id)
    return groups


def claim(message_ids: list[int], now: datetime) -> list[Claimed]:
    """Take queued messages for sending, in the given order; skip any gone, not due or unwanted.

    A message to a volunteer who has opted out since it was queued is not sent, whatever its
    kind, except the confirmation of the opt-out (consent.may_receive).
    """
    rows = db.session.execute(
        update(Message)
        .where(
            Message.id.in_(message_ids),
            Message.status == MessageStatus.QUEUED,
            Message.direction == Direction.OUTBOUND,
            or_(Message.send_after.is_(None), Message.send_after <= now),
            consent.may_receive(),
        )
        .values(
            status=MessageStatus.SENDING,
            claimed_at=now,
            attempts=Message.attempts + 1,
            status_updated_at=now,
        )
        .returning(
            Message.id,
            Message.phone,
            Message.body,
            Message.validity_seconds,
            Message.route,
            Message.message_type,
            Message.provider_options,
        )
        .execution_options(synchronize_session=False)
    ).all()
    by_id = {row.id: Claimed(*row) for row in rows}
    return [by_id[i] for i in message_ids if i in by_id]


def release(message_ids: list[int], now: datetime) -> None:
    """Claimed messages that were never handed to the provider go back to the queue."""
    db.session.execute(
        update(Message)
        .where(Message.id.in_(message_ids), Message.status == MessageStatus.SENDING)
        .values(
            status=MessageStatus.QUEUED,
            claimed_at=None,
            attempts=Message.attempts - 1,
            status_updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def record_accepted(accepted: list[tuple[int, SendResult]], now: datetime) -> None:
    """The provider took these messages: keep their SIDs, move them forward.

    One UPDATE for a whole chunk (one per provider status, and there is usually one). A
    status callback that overtook the worker wins: its SID and status are kept.
    """
    by_target: dict[MessageStatus, dict[int, SendResult]] = {}
    for message_id, result in accepted:
        target = PROVIDER_STATUSES.get(result.status, MessageStatus.SENT)  # console: delivered
        by_target.setdefault(target, {})[message_id] = result
    for target, results in by_target.items():
        sids = {i: r.sid for i, r in results.items()}
        segments = {i: r.segments for i, r in results.items() if r.segments}
        values: dict[str, object] = {
            "provider_sid": func.coalesce(Message.provider_sid, case(sids, value=Message.id)),
            "sent_at": func.coalesce(Message.sent_at, now),
            "status_updated_at": now,
            "error_message": "",
            "status": case(
                (Message.status.in_(_below(target)), target.value), else_=Message.status
            ),
        }
        if segments:
            values["segments"] = case(segments, value=Message.id, else_=Message.segments)
        db.session.execute(
            update(Message)
            .where(Message.id.in_(list(results)))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def record_refused(message_id: int, error: PermanentSendError, now: datetime) -> None:
    """The provider refused for good: failed with its code; 21610 also opts the volunteer out."""
    _advance(
        message_id,
        MessageStatus.FAILED,
        now,
        error_code=error.code,
        error_message=error.message[:500],
    )
    if error.is_opt_out:
        volunteer_id = db.session.scalar(
            select(Message.volunteer_id).where(Message.id == message_id)
        )
        if volunteer_id is not None:
            _unsubscribed(volunteer_id, now)


def record_transient(
    message_id: int, error: TransientSendError, now: datetime, *, max_attempts: int
) -> bool:
    """A failure worth retrying. Returns True if the message goes back to the queue.

    If the request may have reached the provider (read timeout, dropped connection) the
    row stays claimed: the provider's status callback, which names the row, settles it,
    and only if none comes does the sweeper send it again (see tasks/sms.py).
    """
    note = str(error)[:500]
    if error.maybe_accepted:
        db.session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == MessageStatus.SENDING)
            .values(error_message=f"in doubt: {note}")
            .execution_options(synchronize_session=False)
        )
        return False
    attempts = db.session.scalar(select(Message.attempts).where(Message.id == message_id)) or 0
    if attempts >= max_attempts:
        _advance(
            message_id,
            MessageStatus.FAILED,
            now,
            error_message=f"gave up after {attempts} attempts: {note}",
        )
        return False
    result = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.SENDING)
        .values(
            status=MessageStatus.QUEUED, claimed_at=None, error_message=note, status_updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def _unsubscribed(volunteer_id: int, now: datetime) -> None:
    """The provider says the number unsubscribed (STOP at the carrier): the same opt-out."""
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is not None:
        consent.opt_out(volunteer, source=consent.Source.PROVIDER, now=now)


def apply_status_callback(
    *,
    sid: str,
    status: str,
    error_code: int | None,
    message_id: int | None,
    now: datetime,
    error_message: str | None = None,
) -> bool:
    """Apply a provider status report; never moves a message backwards. True if it changed.

    `message_id` comes from the callback URL we gave the provider: it settles a message
    whose worker died after the provider accepted it but before the SID was recorded.
    """
    if message_id is not None:
        owner = db.session.scalar(select(Message.id).where(Message.provider_sid == sid))
        if owner is not None and owner != message_id:
            # Our callback URL names one message, the provider's SID another: believe neither.
            raise ValidationError(
                f"MessageSid {sid} belongs to another message", field="MessageSid"
            )
        db.session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                Message.provider_sid.is_(None),
                Message.direction == Direction.OUTBOUND,
            )
            .values(provider_sid=sid, sent_at=now)
            .execution_options(synchronize_session=False)
        )
    target = PROVIDER_STATUSES.get((status or "").lower())
    row = db.session.execute(
        select(Message.id, Message.volunteer_id).where(Message.provider_sid == sid)
    ).first()
    if target is None or row is None:
        return False
    values: dict[str, object] = {}
    if error_code is not None:
        values = {
            "error_code": error_code,
            "error_message": error_message or describe_error(error_code),
        }
    changed = _advance(row.id, target, now, **values)
    if error_code == OPT_OUT_CODE and row.volunteer_id is not None:
        _unsubscribed(row.volunteer_id, now)
    return changed


def due_for_dispatch(now: datetime, *, queued_after: timedelta, limit: int = 5000) -> list[int]:
    """Queued rows nobody is carrying: never handed over, lost by the broker, or now due."""
    cutoff = now - queued_after
    lost = func.coalesce(Message.dispatched_at, Message.created_at) < cutoff
    came_due = and_(Message.dispatched_at.is_(None), Message.send_after.is_not(None))
    ids = list(
        db.session.scalars(
            select(Message.id)
            .where(
                Message.status == MessageStatus.QUEUED,
                Message.direction == Direction.OUTBOUND,
                or_(Message.send_after.is_(None), Message.send_after <= now),
                or_(lost, came_due),
            )
            .order_by(Message.id)
            .limit(limit)
        )
    )
    mark_dispatched(ids, now)
    return ids


def mark_dispatched(message_ids: list[int], now: datetime) -> None:
    """Remember when rows were last handed to Celery, so the sweeper leaves them be."""
    for start in range(0, len(message_ids), 500):
        db.session.execute(
            update(Message)
            .where(Message.id.in_(message_ids[start : start + 500]))
            .values(dispatched_at=now)
            .execution_options(synchronize_session=False)
        )


def _stale(now: datetime, older_than: timedelta) -> ColumnElement[bool]:
    return and_(
        Message.status == MessageStatus.SENDING,
        Message.claimed_at < now - older_than,
        Message.provider_sid.is_(None),
    )


def stale_claims(now: datetime, *, older_than: timedelta, limit: int = 100) -> list[Row]:
    """Claims with no answer and no status callback for too long: (id, phone, body, claimed_at,
    route).

    Before one is sent again the sweeper asks the provider whether it holds it already.
    """
    return list(
        db.session.execute(
            select(Message.id, Message.phone, Message.body, Message.claimed_at, Message.route)
            .where(_stale(now, older_than))
            .order_by(Message.claimed_at)
            .limit(limit)
        )
    )


def release_stale_claims(now: datetime, *, older_than: timedelta, max_attempts: int) -> int:
    """Claims whose worker died: back to the queue (or failed after too many attempts).

    A claim is old only if no result and no status callback came for far longer than a
    provider call can take, so the message almost surely never reached the provider.
    """
    stale = _stale(now, older_than)
    _give_up = db.session.execute(
        update(Message)
        .where(stale, Message.attempts >= max_attempts)
        .values(
            status=MessageStatus.FAILED,
            status_updated_at=now,
            error_message="gave up: no answer from the provider",
        )
        .execution_options(synchronize_session=False)
    )
    released = db.session.execute(
        update(Message)
        .where(stale)
        .values(
            status=MessageStatus.QUEUED, claimed_at=None, dispatched_at=None, status_updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(released)

"""The outbox: a message to send is a database row first; Celery moves rows to the gateway.

Rows are handed to Celery only after the transaction that created them commits, so a
rolled-back request sends nothing; a row whose hand-over was lost (broker down) is picked
up by the sweeper. Nothing is sent twice: see tasks/sms.py for the claim.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coordinator.domain import consent
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import Direction, Message, MessageStatus, StaffUser, Volunteer
from coordinator.phones import normalise_phone
from coordinator.sms.routing import plan_message
from coordinator.sms.segments import count_segments
from coordinator.sms.texts import render_sms
from coordinator.timeutil import now_utc

log = logging.getLogger(__name__)

PENDING_KEY = "outbox_pending_ids"
TASKS_KEY = "outbox_pending_tasks"
SEND_TASK = "tasks.sms.send_messages"


def queue_sms(
    volunteer: Volunteer,
    template: str,
    *,
    kind: str,
    idempotency_key: str | None = None,
    send_after: datetime | None = None,
    validity_seconds: int | None = None,
    mission_id: int | None = None,
    callout_id: int | None = None,
    **context: object,
) -> Message | None:
    """Queue the SMS `template` for a volunteer in their language; None if they opted out.

    The one message an opted-out volunteer still gets is the confirmation of the opt-out.

    The same idempotency key twice gives back the first row and queues nothing new.
    """
    if not consent.may_queue(volunteer, kind):
        return None
    if idempotency_key:
        existing = db.session.scalar(select(Message).filter_by(idempotency_key=idempotency_key))
        if existing is not None:
            return existing
    body = render_sms(template, volunteer.language, volunteer=volunteer, **context)
    plan = plan_message(
        volunteer.phone,
        body,
        current_app.config,
        template=template,
        language=volunteer.language,
        context={"volunteer": volunteer, **context},
    )
    message = Message(
        direction=Direction.OUTBOUND,
        volunteer=volunteer,
        phone=volunteer.phone,
        body=body,
        kind=kind,
        route=plan.route,
        message_type=plan.message_type,
        provider_options=plan.provider_options,
        status=MessageStatus.QUEUED,
        idempotency_key=idempotency_key,
        segments=count_segments(body).segments,
        send_after=send_after,
        validity_seconds=validity_seconds,
        mission_id=mission_id,
        callout_id=callout_id,
    )
    return _insert_once(message)


def queue_staff_sms(
    user: StaffUser,
    template: str,
    *,
    kind: str,
    idempotency_key: str,
    mission_id: int | None = None,
    **context: object,
) -> Message | None:
    """Queue an SMS alert to a staff user's phone; None if they have no usable number."""
    try:
        phone = normalise_phone(user.phone or "")
    except ValidationError:
        return None
    existing = db.session.scalar(select(Message).filter_by(idempotency_key=idempotency_key))
    if existing is not None:
        return existing
    body = render_sms(template, user.language or "ko", user=user, **context)
    plan = plan_message(phone, body, current_app.config)
    message = Message(
        direction=Direction.OUTBOUND,
        phone=phone,
        body=body,
        kind=kind,
        route=plan.route,
        message_type=plan.message_type,
        status=MessageStatus.QUEUED,
        idempotency_key=idempotency_key,
        segments=count_segments(body).segments,
        mission_id=mission_id,
    )
    return _insert_once(message)


def queue_sms_to_phone(
    phone: str,
    language: str,
    template: str,
    *,
    kind: str,
    idempotency_key: str,
    **context: object,
) -> Message | None:
    """Queue an SMS to a number that is no volunteer yet (a join code, a guardian's code)."""
    existing = db.session.scalar(select(Message).filter_by(idempotency_key=idempotency_key))
    if existing is not None:
        return existing
    body = render_sms(template, language, **context)
    message = Message(
        direction=Direction.OUTBOUND,
        phone=phone,
        body=body,
        kind=kind,
        status=MessageStatus.QUEUED,
        idempotency_key=idempotency_key,
        segments=count_segments(body).segments,
    )
    return _insert_once(message)


def _insert_once(message: Message) -> Message:
    """Insert a queued message, or return the row another transaction queued with its key."""
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        # Another transaction queued the same key between our look and our insert.
        return db.session.scalars(
            select(Message).filter_by(idempotency_key=message.idempotency_key)
        ).one()
    mark_for_dispatch(message)
    return message


def mark_for_dispatch(message: Message) -> None:
    """Hand this message to Celery once the current transaction commits."""
    if message.send_after is not None:
        return  # the wave scheduler / sweeper sends it when its time comes
    db.session.info.setdefault(PENDING_KEY, []).append(message)


def enqueue_after_commit(task_name: str, *args: object) -> None:
    """Hand a task to Celery once the current transaction commits; nothing if it rolls back."""
    db.session.info.setdefault(TASKS_KEY, []).append((task_name, args))


def dispatch(message_ids: list[int]) -> None:
    """Give message ids to the sending task in batches; if that fails the sweeper will."""
    size = max(1, int(current_app.config.get("SMS_BATCH_SIZE") or 25))
    for start in range(0, len(message_ids), size):
        enqueue(SEND_TASK, message_ids[start : start + size])


def enqueue(task_name: str, *args: object) -> None:
    """Hand a task to Celery as OUTBOX_DISPATCH says (celery, eager, off); never raises.

    Whatever is lost here is safe in the database and found again by the sweepers.
    """
    mode = current_app.config.get("OUTBOX_DISPATCH", "celery")
    if mode == "off":
        return
    try:
        celery = current_app.extensions["celery"]
        if mode == "eager":
            # A context of its own: this may run inside after_commit, where the caller's
            # session can emit no more SQL.
            with current_app.app_context():
                celery.tasks[task_name].apply(args=list(args))
        else:
            celery.send_task(task_name, args=list(args))
    except Exception:  # the broker is down: the rows are safe, the sweeper retries
        log.warning("could not hand %s to Celery; the sweeper will", task_name, exc_info=True)


def queue_many(
    recipients: Iterable[tuple[Volunteer, str, str]],
    *,
    kind: str,
    mission_id: int | None = None,
    callout_id: int | None = None,
    validity_seconds: int | None = None,
) -> dict[int, int]:
    """queue_sms for many volunteers at once: (volunteer, idempotency key, body) each.

    The bodies come rendered (a call-out renders its text once per language, not once per
    volunteer); opted-out volunteers and keys already queued are skipped. All rows go in at
    once. Returns {volunteer id: message id} of the rows queued now.
    """
    wanted = [(v, key, body) for v, key, body in recipients if consent.may_queue(v, kind)]
    taken: set[str] = set()
    for start in range(0, len(wanted), 500):
        keys = [key for _v, key, _body in wanted[start : start + 500]]
        taken.update(
            db.session.scalars(
                select(Message.idempotency_key).where(Message.idempotency_key.in_(keys))
            )
        )
    now, config = now_utc(), current_app.config
    plans = {key: plan_message(v.phone, body, config) for v, key, body in wanted}
    rows = [
        {
            "direction": Direction.OUTBOUND.value,
            "volunteer_id": volunteer.id,
            "phone": volunteer.phone,
            "body": body,
            "kind": kind,
            "route": plans[key].route,
            "message_type": plans[key].message_type,
            "status": MessageStatus.QUEUED.value,
            "idempotency_key": key,
            "segments": count_segments(body).segments,
            "mission_id": mission_id,
            "callout_id": callout_id,
            "validity_seconds": validity_seconds,
            "dispatched_at": now,
            "created_at": now,
        }
        for volunteer, key, body in wanted
        if key not in taken
    ]
    if not rows:
        return {}
    inserted = _insert_all(rows)
    db.session.info.setdefault(PENDING_KEY, []).extend(row.id for row in inserted)
    return {row.volunteer_id: row.id for row in inserted}


def _insert_all(rows: list[dict]) -> list:
    """Insert message rows; return (id, volunteer_id) of each, in the order given."""
    dialect = db.session.get_bind().dialect
    if (dialect.name, dialect.driver) != ("postgresql", "psycopg"):
        return list(
            db.session.execute(
                insert(Message).returning(
                    Message.id, Message.volunteer_id, sort_by_parameter_order=True
                ),
                rows,
            ).all()
        )
    # COPY, then the ids by key: a third of the time of a many-row INSERT ... RETURNING,
    # whose statement psycopg must parse with thousands of parameters.
    columns = _copy_columns(rows[0])
    driver_connection = db.session.connection().connection.driver_connection
    assert driver_connection is not None  # a live connection: the session just used it
    cursor = driver_connection.cursor()
    with cursor, cursor.copy(f"COPY messages ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(name, default) for name, default in columns.items()])
    keys = [row["idempotency_key"] for row in rows]
    return list(
        db.session.execute(
            select(Message.id, Message.volunteer_id)
            .where(Message.idempotency_key.in_(keys))
            .order_by(Message.id)
        )
    )


def _copy_columns(row: dict) -> dict[str, object]:
    # COPY applies no Python-side defaults: give every column that has one.
    columns = dict.fromkeys(row)
    for column in Message.__table__.columns:
        if column.name not in columns and column.default is not None:
            default = column.default
            columns[column.name] = default.arg(None) if default.is_callable else default.arg
    return columns


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        # After commit the rows are expired; their identity key needs no query.
        ids = [item if isinstance(item, int) else _identity(item) for item in pending]
        dispatch([i for i in ids if i is not None])
    for task_name, args in session.info.pop(TASKS_KEY, None) or ():
        enqueue(task_name, *args)


def _identity(message: Message) -> int | None:
    key: tuple[Any, ...] | None = inspect(message).identity
    return key[0] if key else None


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info.pop(TASKS_KEY, None)

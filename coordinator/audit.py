"""Writes the audit log from the session itself, so no door can forget it.

A door that acts for a staff user calls `act_as(user_id, via)`; from then on every insert,
update and delete of an audited model in that session is logged in the same transaction
(rolled back with it). The actor lives in the session's info, which ends with the request
or task (Flask-SQLAlchemy gives each app context its own session). Changes volunteers
make by SMS or on their page are not staff actions and carry no actor, so they are not
logged here (their messages are the record).
"""

from datetime import date, datetime
from enum import Enum

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from coordinator.extensions import db
from coordinator.models.audit import AuditEntry
from coordinator.timeutil import now_utc

ACTOR_KEY = "audit_actor"
REDACTED = {"password_hash", "token_hash"}
NOT_AUDITED = {"audit_entries", "messages", "conversation_states", "api_tokens"}


def act_as(user_id: int | None, via: str) -> None:
    """Attribute the rest of this session's changes to a staff user."""
    if user_id is None:
        db.session.info.pop(ACTOR_KEY, None)
    else:
        db.session.info[ACTOR_KEY] = (user_id, via)


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _column_changes(obj: object, action: str) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        history = state.attrs[key].history
        if action == "update" and not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = (
            history.added[0]
            if history.added
            else (None if action == "delete" else getattr(obj, key, None))
        )
        if action == "delete":
            before, after = getattr(obj, key, None), None
        if key in REDACTED:
            before, after = ("…" if before else None), ("…" if after else None)
        changes[key] = [_plain(before), _plain(after)]
    return changes


def _rows(session: Session) -> list[dict]:
    user_id, via = session.info[ACTOR_KEY]
    rows = []
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in NOT_AUDITED:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _column_changes(obj, action)
            if action == "update" and not changes:
                continue
            identity = inspect(obj).identity
            rows.append(
                {
                    "staff_user_id": user_id,
                    "via": via,
                    "action": action,
                    "object_type": table,
                    "object_id": identity[0] if identity else None,
                    "changes": changes,
                    "created_at": now_utc(),
                }
            )
    return rows


def record_update(obj: object, changes: dict) -> None:
    """Log a change made by a bulk UPDATE, which the flush events never see."""
    if ACTOR_KEY not in db.session.info or not changes:
        return
    user_id, via = db.session.info[ACTOR_KEY]
    table: str = obj.__table__.name  # type: ignore[attr-defined]
    db.session.add(
        AuditEntry(
            staff_user_id=user_id,
            via=via,
            action="update",
            object_type=table,
            object_id=inspect(obj).identity[0],
            changes={key: [_plain(a), _plain(b)] for key, (a, b) in changes.items()},
        )
    )


@event.listens_for(Session, "after_flush")
def _write_audit(session: Session, flush_context: object) -> None:
    if ACTOR_KEY not in session.info:
        return
    rows = _rows(session)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)

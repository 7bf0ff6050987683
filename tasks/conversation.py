"""Celery tasks for the SMS conversation: held places that ran out, stale menus."""

from celery import shared_task
from sqlalchemy import delete

from coordinator.database import rowcount
from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import ConversationState
from coordinator.timeutil import now_utc


@shared_task(name="tasks.conversation.expire_offers")
def expire_offers() -> int:
    """Pass every held waitlist place whose answer time is over to the next person."""
    expired = signups.expire_due_offers()
    db.session.commit()
    return expired


@shared_task(name="tasks.conversation.forget_stale_menus")
def forget_stale_menus() -> int:
    """Delete conversation states past their expiry (they are ignored already; this tidies)."""
    result = db.session.execute(
        delete(ConversationState).where(ConversationState.expires_at < now_utc())
    )
    db.session.commit()
    return rowcount(result)

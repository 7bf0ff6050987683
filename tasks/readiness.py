"""Celery tasks: privacy retention and readiness reminders, run daily by beat."""

from celery import shared_task

from coordinator.domain import readiness, retention
from coordinator.extensions import db


@shared_task(name="tasks.readiness.send_readiness_reminders")
def send_readiness_reminders() -> int:
    """Tell people a set time before a qualification or waiver lapses."""
    sent = readiness.send_readiness_reminders()
    db.session.commit()
    return sent


@shared_task(name="tasks.readiness.apply_retention")
def apply_retention() -> int:
    """Warn inactive volunteers, then erase those warned long enough ago."""
    done = retention.apply_retention()
    db.session.commit()
    return done.warned + done.erased

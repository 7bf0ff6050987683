"""Celery tasks: reminders before a shift and the automatic no-show sweep.

Both are periodic sweeps (see tasks/schedule.py) over what the database says is due, so a
beat or worker that was down catches up when it returns; each run commits once.
"""

from celery import shared_task

from coordinator.domain import attendance, reminders
from coordinator.extensions import db


@shared_task(name="tasks.reminders.send_due_reminders")
def send_due_reminders() -> int:
    """Queue every reminder due now (each goes out once: the outbox key dedupes)."""
    queued = reminders.send_due_reminders()
    db.session.commit()
    return queued


@shared_task(name="tasks.reminders.mark_no_shows")
def mark_no_shows() -> int:
    """Mark confirmed volunteers who never checked in as no-shows after the grace period."""
    marked = attendance.mark_no_shows()
    db.session.commit()
    return marked

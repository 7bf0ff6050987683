"""Celery tasks for call-outs: run a wave now, and beat's check for waves that are due."""

from celery import shared_task

from coordinator.domain import callouts
from coordinator.domain.callouts import RUN_WAVE_TASK
from coordinator.extensions import db
from coordinator.models import CallOut
from coordinator.timeutil import now_utc


@shared_task(name=RUN_WAVE_TASK, acks_late=True, reject_on_worker_lost=True)
def run_wave(callout_id: int) -> int:
    """Send a call-out's wave if it is due, committing its messages chunk by chunk.

    Each commit hands that chunk to the send task, so the first messages leave while the
    rest of a large wave is written. A second delivery finds nothing due; one after a
    crash mid-wave still writes whatever the wave's plan has left unwritten.
    """
    callout = db.session.get(CallOut, callout_id)
    if callout is None:
        return 0
    now = now_utc()
    invited = callouts.start_wave(callout, now)
    db.session.commit()  # the claim and the plan (invitations), before any message
    for _queued in callouts.write_messages(callout, now):
        db.session.commit()  # the outbox hands this chunk to the send task after this
    db.session.commit()
    return invited


@shared_task(name="tasks.callouts.run_due_waves")
def run_due_waves() -> int:
    """Run every wave whose time has come, one task body each; returns how many ran."""
    ran = 0
    for callout_id in callouts.due_callout_ids(now_utc()):
        ran += run_wave(callout_id) > 0
    return ran

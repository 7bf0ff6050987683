"""Graceful shutdown: a Celery worker stopped with SIGTERM mid-call-out loses no message and
sends none twice, with no help from the sweeper.

A real worker (Redis broker, the twilio client against the Twilio stub, answering slowly so
batches are in flight) gets SIGTERM the way `docker stop` or a deploy sends it: to the main
process. It finishes the calls under way and hands back what it had not started; a new
worker sends the rest.
"""

import os
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from coordinator.domain import callouts
from coordinator.domain.audience import Audience
from coordinator.extensions import db
from coordinator.models import Message, MessageStatus
from coordinator.sms import outbox
from tasks.sms import sweep_outbox
from tests.support.helpers import wait_until

pytestmark = pytest.mark.integration
VOLUNTEERS = 120
SENT = (MessageStatus.SENT, MessageStatus.DELIVERED)


def launch(mission) -> None:
    callout = callouts.create_callout(
        mission, audience=Audience(), wave_size=VOLUNTEERS, wave_interval_minutes=60, is_urgent=True
    )
    db.session.commit()
    outbox.enqueue("tasks.callouts.run_wave", callout.id)


def statuses() -> Counter:
    db.session.expire_all()
    return Counter(
        dict(
            db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
        )
    )


def terminate(worker, *, whole_group: bool = False, timeout: float = 60) -> float:
    """SIGTERM as `docker stop` sends it (main process), or to every process of the worker
    (systemd's default KillMode); the seconds it took to exit."""
    started = time.monotonic()
    if whole_group:
        os.killpg(worker.process.pid, signal.SIGTERM)
    else:
        os.kill(worker.process.pid, signal.SIGTERM)
    worker.process.wait(timeout=timeout)
    worker.log.close()
    return time.monotonic() - started


def start_call_out(fanout, create_mission, create_volunteer):
    volunteers = [create_volunteer(f"v{i}") for i in range(VOLUNTEERS)]
    mission = create_mission(capacity=VOLUNTEERS + 10)
    fanout.stub.set_latency(0.15)  # each provider call takes a while: batches are in flight
    worker = fanout.start_worker(concurrency=2, SMS_RATE_PER_SECOND=40)
    launch(mission)
    wait_until(lambda: len(fanout.stub.messages) >= 20, 45, "the call-out to be under way")
    return volunteers, worker


def all_sent(*, sweep: bool = False):
    def check():
        if sweep:
            sweep_outbox.run()  # beat's job, run here so the test need not wait for beat
        counts = statuses()
        return counts if sum(counts[s] for s in SENT) >= VOLUNTEERS else None

    return check


@pytest.mark.parametrize("fanout", ["sqlite", "postgresql"], indirect=True)
def test_sigterm_mid_call_out_then_a_new_worker_sends_every_message_exactly_once(
    fanout, create_mission, create_volunteer
):
    volunteers, worker = start_call_out(fanout, create_mission, create_volunteer)

    took = terminate(worker)
    at_stop, in_doubt = len(fanout.stub.messages), statuses()[MessageStatus.SENDING]
    fanout.start_worker(concurrency=2, SMS_RATE_PER_SECOND=40)

    counts = wait_until(all_sent(), 90, "every message to be sent after the restart")
    assert at_stop < VOLUNTEERS, "the worker had finished before it was stopped"
    assert in_doubt == 0, "a stopped worker left claims it never settled"
    assert took < 30
    assert Counter(m["to"] for m in fanout.stub.messages) == Counter(v.phone for v in volunteers)
    assert counts[MessageStatus.QUEUED] == counts[MessageStatus.SENDING] == 0
    worker_log = worker.log_path.read_text()
    assert "Warm shutdown" in worker_log and "WorkerLostError" not in worker_log


def test_sigterm_to_every_worker_process_still_sends_every_message_exactly_once(
    fanout, create_mission, create_volunteer
):
    """Pool processes die mid-call here; acks_late, the claims and the status callbacks keep
    each message to one send (the operations guide says to signal the main process only)."""
    volunteers, worker = start_call_out(fanout, create_mission, create_volunteer)

    terminate(worker, whole_group=True)
    at_stop = len(fanout.stub.messages)
    fanout.start_worker(concurrency=2, SMS_RATE_PER_SECOND=40)

    wait_until(all_sent(sweep=True), 90, "every message to be sent after the restart")
    assert at_stop < VOLUNTEERS
    assert Counter(m["to"] for m in fanout.stub.messages) == Counter(v.phone for v in volunteers)

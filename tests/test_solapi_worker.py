"""The Korean route with real Celery workers: a call-out to Korean numbers goes in batches to the
Solapi stub (the real solapi SDK), and a worker killed mid-batch sends nothing twice."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from coordinator.domain import callouts
from coordinator.domain.audience import Audience
from coordinator.extensions import db
from coordinator.models import Message, MessageStatus
from coordinator.sms import outbox
from tasks.sms import sweep_outbox
from tests.support.celery_worker import fanout_fixture, wait_until  # noqa: F401
from tests.support.solapi import solapi_settings
from tests.support.solapi_stub import SolapiStub

pytestmark = pytest.mark.integration
VOLUNTEERS = 120
SENT = (MessageStatus.SENT, MessageStatus.DELIVERED)


@pytest.fixture
def korean_fanout(fanout):
    """The fan-out harness with Korean numbers routed to a Solapi stub in this process."""
    with SolapiStub() as stub:
        settings = {**solapi_settings(stub.url), "SOLAPI_BATCH_SIZE": 10}
        fanout.app.config.update(settings)
        fanout.env.update({k: str(v) for k, v in settings.items()})
        fanout.solapi = stub
        yield fanout


def statuses() -> Counter:
    db.session.expire_all()
    return Counter(
        dict(
            db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
        )
    )


def launch(create_mission, create_volunteer):
    volunteers = [
        create_volunteer(f"v{i}", phone=f"+8210{70000000 + i:08d}") for i in range(VOLUNTEERS)
    ]
    mission = create_mission(capacity=VOLUNTEERS + 10)
    callout = callouts.create_callout(
        mission, audience=Audience(), wave_size=VOLUNTEERS, wave_interval_minutes=60, is_urgent=True
    )
    db.session.commit()
    outbox.enqueue("tasks.callouts.run_wave", callout.id)
    return volunteers


def domestic(volunteers):
    return Counter("0" + v.phone[3:] for v in volunteers)


def test_a_korean_call_out_goes_in_batches_each_message_once(
    korean_fanout, create_mission, create_volunteer
):
    korean_fanout.start_worker(concurrency=2)
    volunteers = launch(create_mission, create_volunteer)

    counts = wait_until(
        lambda: (c := statuses()) and sum(c[s] for s in SENT) >= VOLUNTEERS and c,
        90,
        "every message to be sent",
    )

    stub = korean_fanout.solapi
    assert Counter(m["to"] for m in stub.messages) == domestic(volunteers)
    assert stub.duplicates() == {}
    assert len(stub.requests) < VOLUNTEERS / 5  # batches, not one request per message
    assert {m["type"] for m in stub.messages} == {"SMS"}  # the terse call-out fits one SMS
    assert korean_fanout.stub.messages == []  # nothing went abroad through Twilio
    assert counts[MessageStatus.FAILED] == 0


def test_a_worker_killed_mid_batch_then_restarted_sends_nothing_twice(
    korean_fanout, create_mission, create_volunteer
):
    stub = korean_fanout.solapi
    stub.set_mode(latency=0.4)  # each batch takes a while: one is in flight when we kill
    worker = korean_fanout.start_worker(concurrency=2)
    volunteers = launch(create_mission, create_volunteer)
    wait_until(lambda: len(stub.messages) >= 20, 60, "the call-out to be under way")

    worker.kill()
    at_kill = len(stub.messages)
    korean_fanout.start_worker(concurrency=2)

    def swept_and_sent():
        sweep_outbox.run()  # beat's job: settles claims in doubt by asking the provider
        counts = statuses()
        return counts if sum(counts[s] for s in SENT) >= VOLUNTEERS else None

    counts = wait_until(swept_and_sent, 90, "every message to be sent after the restart")
    assert at_kill < VOLUNTEERS, "the worker had finished before it was killed"
    assert stub.duplicates() == {}
    assert Counter(m["to"] for m in stub.messages) == domestic(volunteers)
    assert counts[MessageStatus.QUEUED] == counts[MessageStatus.SENDING] == 0

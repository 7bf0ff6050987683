"""The whole fan-out with real processes: Celery worker, Redis broker, twilio client, stub."""

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from coordinator.domain import callouts, signups
from coordinator.domain.audience import Audience
from coordinator.extensions import db
from coordinator.models import Message, MessageStatus, SignupSource, Volunteer
from coordinator.sms import outbox
from tasks.sms import sweep_outbox
from tests.support.helpers import wait_until

pytestmark = pytest.mark.integration
UNSETTLED = (MessageStatus.QUEUED, MessageStatus.SENDING)


def launch(mission, wave_size: int) -> int:
    callout = callouts.create_callout(
        mission, audience=Audience(), wave_size=wave_size, wave_interval_minutes=60, is_urgent=True
    )
    db.session.commit()
    outbox.enqueue("tasks.callouts.run_wave", callout.id)
    return callout.id


def statuses() -> Counter:
    db.session.expire_all()
    return Counter(
        dict(
            db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
        )
    )


def settled(expected: int):
    def check():
        counts = statuses()
        done = sum(counts.values()) >= expected and not any(counts[s] for s in UNSETTLED)
        return counts if done else None

    return check


def people(create_volunteer, count: int, **fields) -> list[Volunteer]:
    return [create_volunteer(f"v{i}", **fields) for i in range(count)]


@pytest.mark.parametrize("fanout", ["sqlite", "postgresql"], indirect=True)
def test_a_call_out_to_200_volunteers_reaches_each_once_and_records_delivery(
    fanout, create_mission, create_volunteer
):
    volunteers = people(create_volunteer, 200)
    mission = create_mission(capacity=300)
    fanout.start_worker(concurrency=4)

    launch(mission, wave_size=200)

    wait_until(lambda: len(fanout.stub.messages) >= 200, 45, "200 messages at the stub")
    wait_until(lambda: statuses()[MessageStatus.DELIVERED] == 200, 60, "200 delivery reports")
    sent_to = Counter(m["to"] for m in fanout.stub.messages)
    assert sent_to == Counter(v.phone for v in volunteers)
    assert all(
        m["params"]["StatusCallback"].startswith(fanout.app.config["PUBLIC_BASE_URL"])
        for m in fanout.stub.messages
    )


def test_a_worker_killed_mid_call_out_then_restarted_sends_every_message_exactly_once(
    fanout, create_mission, create_volunteer
):
    volunteers = people(create_volunteer, 200)
    mission = create_mission(capacity=300)
    worker = fanout.start_worker(concurrency=4, SMS_RATE_PER_SECOND=50)
    launch(mission, wave_size=200)
    wait_until(lambda: len(fanout.stub.messages) >= 40, 30, "the call-out to be under way")

    worker.kill()
    at_kill = len(fanout.stub.messages)
    fanout.start_worker(concurrency=4, SMS_RATE_PER_SECOND=50)

    def swept_and_settled():
        sweep_outbox.run()  # beat's job, run here so the test need not wait for beat
        return settled(200)()

    wait_until(swept_and_settled, 50, "every message to settle after the restart")
    assert at_kill < 200
    assert Counter(m["to"] for m in fanout.stub.messages) == Counter(v.phone for v in volunteers)


def test_429_bursts_delay_messages_but_all_arrive_once(fanout, create_mission, create_volunteer):
    volunteers = people(create_volunteer, 100)
    mission = create_mission(capacity=300)
    fanout.stub.fail_with_429(25, seconds=1.5)
    fanout.start_worker(concurrency=4)

    launch(mission, wave_size=100)

    counts = wait_until(settled(100), 50, "every message to settle")
    assert counts[MessageStatus.FAILED] == 0
    assert fanout.stub.stats()["requests"] > 100  # the 429s really happened
    assert Counter(m["to"] for m in fanout.stub.messages) == Counter(v.phone for v in volunteers)


def test_opted_out_volunteers_get_nothing_and_unsubscribed_numbers_are_opted_out(
    fanout, create_mission, create_volunteer
):
    keen = people(create_volunteer, 20)
    stopped = [create_volunteer(f"stopped{i}", opted_out_at=callouts.now_utc()) for i in range(10)]
    for volunteer in keen[:3]:
        fanout.stub.fail_number(volunteer.phone, 21610)
    mission = create_mission(capacity=50)
    fanout.start_worker(concurrency=4)

    launch(mission, wave_size=50)

    counts = wait_until(settled(20), 30, "the call-out to settle")
    reached = {m["to"] for m in fanout.stub.messages}
    assert reached == {v.phone for v in keen[3:]}
    assert not reached & {v.phone for v in stopped}
    assert counts[MessageStatus.FAILED] == 3
    db.session.expire_all()
    assert all(db.session.get(Volunteer, v.id).is_opted_out for v in keen[:3])


def test_no_message_is_claimed_after_the_last_place_fills(fanout, create_mission, create_volunteer):
    volunteers = people(create_volunteer, 80)
    mission = create_mission(capacity=2)
    fanout.start_worker(concurrency=4, SMS_RATE_PER_SECOND=10)
    launch(mission, wave_size=80)
    wait_until(lambda: len(fanout.stub.messages) >= 5, 30, "the first messages")

    for volunteer in volunteers[:2]:
        signups.sign_up(volunteer, mission.positions[0], source=SignupSource.SMS)
    db.session.commit()
    filled_at = time.time()

    counts = wait_until(settled(80), 30, "queued messages to be cancelled")
    time.sleep(1)
    late = [m for m in fanout.stub.messages if m["received_at"] > filled_at]
    claimed_late = db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.claimed_at > datetime.fromtimestamp(filled_at, UTC))
    )
    assert counts[MessageStatus.CANCELLED] >= 60
    assert claimed_late == 0
    assert len(late) <= 4  # at most the messages already in flight, one per worker process


def test_the_rate_limit_holds_in_every_one_second_window_across_four_processes(
    fanout, create_mission, create_volunteer
):
    people(create_volunteer, 100)
    mission = create_mission(capacity=300)
    fanout.start_worker(concurrency=4, SMS_RATE_PER_SECOND=20)

    launch(mission, wave_size=100)

    wait_until(settled(100), 30, "every message to be sent")
    assert len(fanout.stub.messages) == 100
    assert fanout.stub.max_per_window(1.0) <= 20

"""The outbox: rows first, handed to Celery after commit in batches, swept when forgotten."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Message, MessageStatus
from coordinator.sms import outbox
from coordinator.timeutil import now_utc
from tasks.sms import sweep_outbox


@pytest.fixture
def handed(monkeypatch):
    """Every batch of ids the outbox hands to the send task."""
    batches: list[list[int]] = []
    monkeypatch.setattr(outbox, "enqueue", lambda name, ids: batches.append(list(ids)))
    return batches


def age(message, **fields):
    db.session.execute(
        Message.__table__.update().where(Message.__table__.c.id == message.id).values(**fields)
    )
    db.session.commit()


def test_queued_rows_are_handed_over_only_after_commit_in_batches(
    app, create_volunteer, queue_message, handed
):
    app.config["SMS_BATCH_SIZE"] = 2
    volunteers = [create_volunteer(f"v{i}") for i in range(3)]
    messages = [queue_message(v) for v in volunteers]

    assert handed == [[messages[0].id], [messages[1].id], [messages[2].id]]
    outbox.dispatch([m.id for m in messages])
    assert handed[-2:] == [[messages[0].id, messages[1].id], [messages[2].id]]


def test_a_rolled_back_transaction_hands_nothing_over(app, create_volunteer, handed):
    volunteer = create_volunteer()
    outbox.queue_sms(
        volunteer, "thank_you", kind="reply", idempotency_key="k1", mission=None, link="x"
    )
    db.session.rollback()

    assert handed == []
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_the_same_idempotency_key_twice_queues_one_message(app, create_volunteer, queue_message):
    volunteer = create_volunteer()
    first = queue_message(volunteer, "callout:1:volunteer:1")
    second = queue_message(volunteer, "callout:1:volunteer:1")

    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1


def test_queue_many_skips_opted_out_volunteers_and_keys_already_queued(
    any_db_app, create_volunteer, queue_message, handed
):
    fresh, stopped, done = (
        create_volunteer("fresh"),
        create_volunteer("stopped", opted_out_at=now_utc()),
        create_volunteer("done"),
    )
    queue_message(done, "bulk:done")
    body = "[구조 T1] 11월 28일\n필요: 핸들러\t2 \\ 응답: https://r.example/v/a_b-c"
    recipients = [(v, f"bulk:{v.name}", body) for v in (fresh, stopped, done)]

    queued = outbox.queue_many(recipients, kind="callout")
    db.session.commit()

    assert list(queued) == [fresh.id]
    assert handed[-1] == [queued[fresh.id]]
    message = db.session.get(Message, queued[fresh.id])
    assert (message.body, message.phone, message.status) == (body, fresh.phone, "queued")
    assert (message.segments, message.attempts, message.error_message) == (1, 0, "")


def test_the_sweeper_hands_over_rows_nobody_carried_and_leaves_fresh_ones(
    app, create_volunteer, queue_message, handed
):
    forgotten, _fresh = queue_message(create_volunteer()), queue_message(create_volunteer())
    age(forgotten, created_at=now_utc() - timedelta(minutes=10))
    handed.clear()

    assert sweep_outbox.run() == 1
    assert handed == [[forgotten.id]]
    assert sweep_outbox.run() == 0  # just handed over: not again until it is stale again


def test_the_sweeper_sends_a_scheduled_message_once_its_time_comes(
    app, create_volunteer, queue_message, handed
):
    later = queue_message(create_volunteer(), send_after=now_utc() + timedelta(hours=1))
    assert sweep_outbox.run() == 0
    age(later, send_after=now_utc() - timedelta(seconds=1))

    assert sweep_outbox.run() == 1
    assert handed[-1] == [later.id]


def test_the_sweeper_returns_a_claim_whose_worker_died_and_fails_it_after_the_last_attempt(
    app, create_volunteer, queue_message, handed
):
    app.config["SMS_MAX_ATTEMPTS"] = 2
    orphan, hopeless, answered = (queue_message(create_volunteer()) for _ in range(3))
    long_ago = now_utc() - timedelta(minutes=10)
    age(orphan, status="sending", claimed_at=long_ago, attempts=1)
    age(hopeless, status="sending", claimed_at=long_ago, attempts=2)
    age(answered, status="sending", claimed_at=long_ago, attempts=1, provider_sid="SMx")

    sweep_outbox.run()

    statuses = {m.id: m.status for m in db.session.scalars(select(Message))}
    assert statuses == {
        orphan.id: MessageStatus.QUEUED,
        hopeless.id: MessageStatus.FAILED,
        answered.id: MessageStatus.SENDING,
    }
    assert [orphan.id] in handed


def test_eager_dispatch_with_the_console_backend_delivers_after_commit(
    app, create_volunteer, queue_message
):
    app.config["OUTBOX_DISPATCH"] = "eager"
    message = queue_message(create_volunteer())

    message = db.session.get(Message, message.id, populate_existing=True)
    assert message.status == MessageStatus.DELIVERED and message.provider_sid

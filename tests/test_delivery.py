"""Sending outbox rows through the real twilio client to the stub: claims, results, errors."""

import time
from datetime import timedelta

import pytest

from coordinator.extensions import db
from coordinator.models import Message, MessageStatus, Volunteer
from coordinator.sms import delivery
from coordinator.timeutil import now_utc
from tasks.sms import backoff, send_messages, sweep_outbox


def reload(message):
    return db.session.get(Message, message.id, populate_existing=True)


def age(message, **fields):
    db.session.execute(
        Message.__table__.update().where(Message.__table__.c.id == message.id).values(**fields)
    )
    db.session.commit()


class Retried(Exception):
    def __init__(self, args, countdown):
        super().__init__(args, countdown)
        self.ids, self.countdown = args[0], countdown


@pytest.fixture
def retries(monkeypatch):
    """Capture what send_messages asks Celery to retry, and when."""

    def retry(*, args, countdown):
        raise Retried(args, countdown)

    monkeypatch.setattr(send_messages, "retry", retry)


def test_each_queued_message_reaches_the_provider_once_with_its_sid_recorded(
    twilio_app, stub, create_volunteer, queue_message
):
    messages = [queue_message(create_volunteer(f"v{i}")) for i in range(3)]

    assert send_messages.run([m.id for m in messages]) == 3

    sent = {m["to"]: m["sid"] for m in stub.messages}
    for message in map(reload, messages):
        assert message.status == MessageStatus.SENT
        assert message.provider_sid == sent[message.phone]
        assert message.attempts == 1 and message.sent_at is not None


def test_one_connection_to_the_provider_carries_every_message_of_a_worker(
    twilio_app, stub, create_volunteer, queue_message
):
    messages = [queue_message(create_volunteer(f"v{i}")) for i in range(12)]

    send_messages.run([m.id for m in messages[:6]])
    send_messages.run([m.id for m in messages[6:]])

    assert len(stub.messages) == 12
    assert stub.stats()["connections"] == 1


def test_a_task_delivered_twice_sends_nothing_the_second_time(
    twilio_app, stub, create_volunteer, queue_message
):
    message = queue_message(create_volunteer())
    send_messages.run([message.id])
    send_messages.run([message.id])

    assert len(stub.messages) == 1


def test_the_provider_gets_a_status_callback_naming_the_row_and_a_validity_period(
    twilio_app, stub, create_volunteer, queue_message
):
    message = queue_message(create_volunteer(), validity_seconds=3600)
    send_messages.run([message.id])

    params = stub.messages[0]["params"]
    assert params["StatusCallback"] == f"https://rescue.example.org/sms/status?m={message.id}"
    assert params["ValidityPeriod"] == "3600"


def test_unsubscribed_recipient_fails_and_opts_the_volunteer_out_of_everything_queued(
    twilio_app, stub, create_volunteer, queue_message
):
    volunteer = create_volunteer()
    first, second = queue_message(volunteer), queue_message(volunteer)
    stub.fail_number(volunteer.phone, 21610)

    send_messages.run([first.id])

    first, second = reload(first), reload(second)
    assert (first.status, first.error_code) == (MessageStatus.FAILED, 21610)
    assert second.status == MessageStatus.CANCELLED
    assert db.session.get(Volunteer, volunteer.id, populate_existing=True).is_opted_out
    send_messages.run([second.id])
    assert stub.messages == []


def test_an_invalid_number_fails_with_its_code_and_the_batch_goes_on(
    twilio_app, stub, create_volunteer, queue_message
):
    bad, good = create_volunteer(), create_volunteer()
    stub.fail_number(bad.phone, 21211)
    failed, fine = queue_message(bad), queue_message(good)

    send_messages.run([failed.id, fine.id])

    failed = reload(failed)
    assert (failed.status, failed.error_code) == (MessageStatus.FAILED, 21211)
    assert reload(fine).status == MessageStatus.SENT
    assert not db.session.get(Volunteer, bad.id).is_opted_out


@pytest.mark.parametrize("fail", ["fail_with_429", "fail_with_500"])
def test_rate_limited_or_failing_provider_means_retry_later_with_the_rest_of_the_batch(
    twilio_app, stub, create_volunteer, queue_message, retries, fail
):
    messages = [queue_message(create_volunteer(f"v{i}")) for i in range(3)]
    send_messages.run([messages[0].id])
    getattr(stub, fail)(1)

    with pytest.raises(Retried) as retry:
        send_messages.run([m.id for m in messages[1:]])

    assert retry.value.ids == [messages[1].id, messages[2].id]
    assert retry.value.countdown >= (1 if fail == "fail_with_429" else 0.5)  # Retry-After: 1
    assert reload(messages[1]).status == MessageStatus.QUEUED
    send_messages.run([messages[1].id, messages[2].id])
    assert sorted(m["to"] for m in stub.messages) == sorted(m.phone for m in messages)


def test_a_provider_that_is_down_leaves_messages_queued_not_lost(
    twilio_app, stub, create_volunteer, queue_message, retries
):
    message = queue_message(create_volunteer())
    stub.stop()

    with pytest.raises(Retried):
        send_messages.run([message.id])

    assert reload(message).status == MessageStatus.QUEUED


def test_a_read_timeout_leaves_the_message_in_doubt_instead_of_sending_it_again(
    twilio_app, stub, create_volunteer, queue_message, retries
):
    twilio_app.config["SMS_HTTP_TIMEOUT"] = 1
    message, later = queue_message(create_volunteer()), queue_message(create_volunteer())
    stub.set_latency(1.5)

    with pytest.raises(Retried) as retry:
        send_messages.run([message.id, later.id])

    assert retry.value.ids == [later.id]
    message = reload(message)
    assert message.status == MessageStatus.SENDING and "in doubt" in message.error_message


def test_a_claim_left_in_doubt_is_recorded_from_the_provider_not_sent_again(
    twilio_app, stub, create_volunteer, queue_message, retries
):
    """The worker lost the answer and no status callback came: the sweeper asks the provider."""
    twilio_app.config["SMS_HTTP_TIMEOUT"] = 1
    message = queue_message(create_volunteer())
    stub.set_latency(1.5)
    send_messages.run([message.id])  # read timeout: the stub accepts it after we gave up
    deadline = time.monotonic() + 5
    while not stub.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    stub.set_latency(0)
    age(message, claimed_at=now_utc() - timedelta(minutes=10))

    sweep_outbox.run()

    message = reload(message)
    assert [m["to"] for m in stub.messages] == [message.phone]  # once, not twice
    assert message.status == MessageStatus.SENT
    assert message.provider_sid == stub.messages[0]["sid"]


def test_a_claim_the_provider_never_got_goes_back_to_the_queue(
    twilio_app, stub, create_volunteer, queue_message
):
    message = queue_message(create_volunteer())
    age(message, status="sending", claimed_at=now_utc() - timedelta(minutes=10), attempts=1)

    sweep_outbox.run()

    assert reload(message).status == MessageStatus.QUEUED
    assert stub.messages == []


def test_a_message_gives_up_after_the_last_attempt(
    twilio_app, stub, create_volunteer, queue_message
):
    twilio_app.config["SMS_MAX_ATTEMPTS"] = 1
    message = queue_message(create_volunteer())
    stub.fail_with_500(1)

    send_messages.run([message.id])

    message = reload(message)
    assert message.status == MessageStatus.FAILED and "gave up" in message.error_message


def test_a_call_out_message_to_someone_who_opted_out_since_is_not_sent(
    twilio_app, stub, create_volunteer, queue_message
):
    volunteer = create_volunteer()
    message = queue_message(volunteer, kind="callout")
    volunteer.opted_out_at = now_utc()
    db.session.commit()

    send_messages.run([message.id])

    assert stub.messages == [] and reload(message).status == MessageStatus.QUEUED


def test_callbacks_move_a_message_forward_only(app, create_volunteer, queue_message):
    message = queue_message(create_volunteer())
    assert delivery.claim([message.id], now_utc())
    now = now_utc()

    delivery.apply_status_callback(
        sid="SM1", status="sent", error_code=None, message_id=message.id, now=now
    )
    delivery.apply_status_callback(
        sid="SM1", status="delivered", error_code=None, message_id=None, now=now
    )
    delivery.apply_status_callback(
        sid="SM1", status="sent", error_code=None, message_id=None, now=now
    )
    delivery.apply_status_callback(
        sid="SM1", status="failed", error_code=30008, message_id=None, now=now
    )
    db.session.commit()

    message = reload(message)
    assert (message.status, message.provider_sid, message.error_code) == (
        MessageStatus.DELIVERED,
        "SM1",
        None,
    )


def test_a_callback_for_an_unknown_message_changes_nothing(app):
    assert not delivery.apply_status_callback(
        sid="SMnope", status="delivered", error_code=None, message_id=None, now=now_utc()
    )


def test_backoff_grows_exponentially_with_jitter_and_respects_retry_after():
    first = [backoff(0) for _ in range(50)]
    fifth = [backoff(4) for _ in range(50)]

    assert all(0.5 <= d <= 1.0 for d in first) and len(set(first)) > 1
    assert all(8 <= d <= 16 for d in fifth)
    assert backoff(0, retry_after=30) == 30
    assert backoff(20) <= 120

"""POST /sms/status: Twilio's delivery reports, signed, applied forward only."""

from coordinator.extensions import db
from coordinator.models import Message, MessageStatus, Volunteer
from coordinator.sms import delivery, gateway
from coordinator.timeutil import now_utc


def post_status(app, client, params, *, query="", signature=None):
    url = f"https://rescue.example.org/sms/status{query}"
    signature = signature or gateway.sign(app.config, url, params)
    return client.post(
        f"/sms/status{query}", data=params, headers={"X-Twilio-Signature": signature}
    )


def sent_message(create_volunteer, queue_message, sid="SM" + "a" * 32):
    message = queue_message(create_volunteer())
    delivery.claim([message.id], now_utc())
    db.session.execute(
        Message.__table__.update()
        .where(Message.__table__.c.id == message.id)
        .values(provider_sid=sid, status="sent")
    )
    db.session.commit()
    return message


def status_of(message):
    return db.session.get(Message, message.id, populate_existing=True)


def test_a_signed_delivery_report_marks_the_message_delivered(
    app, client, create_volunteer, queue_message
):
    message = sent_message(create_volunteer, queue_message)

    response = post_status(
        app, client, {"MessageSid": message_sid(message), "MessageStatus": "delivered"}
    )

    assert response.status_code == 204
    assert status_of(message).status == MessageStatus.DELIVERED


def message_sid(message):
    return db.session.get(Message, message.id).provider_sid


def test_a_wrong_signature_is_refused_and_changes_nothing(
    app, client, create_volunteer, queue_message
):
    message = sent_message(create_volunteer, queue_message)

    response = post_status(
        app,
        client,
        {"MessageSid": message_sid(message), "MessageStatus": "delivered"},
        signature="forged",
    )

    assert response.status_code == 403
    assert status_of(message).status == MessageStatus.SENT


def test_a_late_sent_report_never_moves_a_delivered_message_back(
    app, client, create_volunteer, queue_message
):
    message = sent_message(create_volunteer, queue_message)
    sid = message_sid(message)

    post_status(app, client, {"MessageSid": sid, "MessageStatus": "delivered"})
    post_status(app, client, {"MessageSid": sid, "MessageStatus": "sent"})

    assert status_of(message).status == MessageStatus.DELIVERED


def test_undelivered_reports_keep_the_error_code_with_a_reason(
    app, client, create_volunteer, queue_message
):
    message = sent_message(create_volunteer, queue_message)

    post_status(
        app,
        client,
        {"MessageSid": message_sid(message), "MessageStatus": "undelivered", "ErrorCode": "30006"},
    )

    message = status_of(message)
    assert (message.status, message.error_code) == (MessageStatus.UNDELIVERED, 30006)
    assert "landline" in message.error_message


def test_a_report_naming_the_row_settles_a_message_whose_worker_died_before_recording(
    app, client, create_volunteer, queue_message
):
    message = queue_message(create_volunteer())
    delivery.claim([message.id], now_utc())
    db.session.commit()

    post_status(
        app,
        client,
        {"MessageSid": "SM" + "b" * 32, "MessageStatus": "queued"},
        query=f"?m={message.id}",
    )

    message = status_of(message)
    assert (message.status, message.provider_sid) == (MessageStatus.SENT, "SM" + "b" * 32)


def test_an_unsubscribed_report_opts_the_volunteer_out(
    app, client, create_volunteer, queue_message
):
    message = sent_message(create_volunteer, queue_message)

    post_status(
        app,
        client,
        {"MessageSid": message_sid(message), "MessageStatus": "failed", "ErrorCode": "21610"},
    )

    assert db.session.get(Volunteer, status_of(message).volunteer_id).is_opted_out


def test_a_report_without_a_message_sid_is_a_clear_400(app, client):
    response = post_status(app, client, {"MessageStatus": "delivered"})

    assert response.status_code == 400

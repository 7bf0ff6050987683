"""Solapi's delivery reports at /sms/solapi/status/<secret>: the secret checked in constant time,
each message moved forward only, reports applied once and in order, failures shown as today."""

import pytest

from coordinator.domain import callouts
from coordinator.extensions import db
from coordinator.models import CallOut, Message, MessageStatus
from coordinator.sms.outbox import queue_sms
from tasks.sms import send_messages
from tests.support.callouts import queue_message_fixture, stub_fixture  # noqa: F401
from tests.support.solapi import STATUS_SECRET, routed_app_fixture, solapi_stub_fixture  # noqa: F401

URL = f"/sms/solapi/status/{STATUS_SECRET}"


def reload(message):
    return db.session.get(Message, message.id, populate_existing=True)


@pytest.fixture
def sent(routed_app, solapi_stub, create_volunteer):
    """Three messages to Korean numbers, accepted by the Solapi stub."""
    messages = []
    for i in range(3):
        volunteer = create_volunteer(f"v{i}", phone=f"+8210{50000000 + i:08d}")
        messages.append(
            queue_sms(
                volunteer,
                "inbox_reply",
                kind="staff_reply",
                text=f"안내 {i}",
                idempotency_key=f"k{i}",
            )
        )
    db.session.commit()
    assert send_messages.run([m.id for m in messages]) == 3
    return messages


def post(client, body, url=URL):
    return client.post(url, json=body)


def test_reports_mark_messages_delivered_or_failed_with_the_carriers_reason(
    client, sent, solapi_stub
):
    ids = [reload(m).provider_sid for m in sent]
    answer = post(client, solapi_stub.reports({ids[1]: "3059"}))

    assert answer.status_code == 200 and answer.get_json() == {"applied": 3}
    first, second, third = map(reload, sent)
    assert (first.status, third.status) == ("delivered", "delivered")
    assert (second.status, second.error_code, second.error_message) == ("failed", 3059, "수신 실패")


@pytest.mark.parametrize("secret", ["wrong-secret-0123456789", STATUS_SECRET[:-1], "x"])
def test_a_wrong_secret_is_nothing_here_and_changes_nothing(client, sent, solapi_stub, secret):
    answer = post(client, solapi_stub.reports(), url=f"/sms/solapi/status/{secret}")

    assert answer.status_code == 404
    assert {reload(m).status for m in sent} == {"sent"}


def test_without_a_configured_secret_no_report_is_taken(client, routed_app, sent, solapi_stub):
    routed_app.config["SOLAPI_STATUS_SECRET"] = None
    assert post(client, solapi_stub.reports()).status_code == 404
    assert {reload(m).status for m in sent} == {"sent"}


def test_a_report_repeated_or_overtaken_never_moves_a_message_back(client, sent, solapi_stub):
    sid = reload(sent[0]).provider_sid
    delivered = solapi_stub.reports()[:1]
    still_sending = solapi_stub.reports({sid: "3000"})[:1]

    post(client, delivered)
    post(client, delivered)  # Solapi retries a report it thinks was lost
    post(client, still_sending)  # a late report of an earlier step

    message = reload(sent[0])
    assert (message.status, message.error_code) == ("delivered", None)


def test_reports_in_one_body_are_applied_in_order(client, sent, solapi_stub):
    sid = reload(sent[0]).provider_sid
    failed_then_ok = solapi_stub.reports({sid: "3059"})[:1] + solapi_stub.reports()[:1]

    post(client, failed_then_ok)

    assert reload(sent[0]).status == "failed"  # the first final word stands


def test_a_report_settles_a_message_whose_answer_was_lost(
    client, routed_app, solapi_stub, create_volunteer
):
    volunteer = create_volunteer(phone="+821012345678")
    message = queue_sms(
        volunteer, "inbox_reply", kind="staff_reply", text="안내", idempotency_key="lost"
    )
    db.session.commit()
    solapi_stub.set_mode(drop_after_accept_count=1)
    send_messages.run([message.id])
    assert (reload(message).status, reload(message).provider_sid) == ("sending", None)

    post(client, solapi_stub.reports())

    message = reload(message)
    assert message.status == "delivered"
    assert message.provider_sid == solapi_stub.messages[0]["messageId"]


@pytest.mark.parametrize("body", [{"not": "a list"}, [{"data": "x"}], "text", [1, 2]])
def test_a_body_that_is_not_reports_is_refused_clearly(client, sent, body):
    answer = post(client, body)
    assert answer.status_code == 400
    assert "not Solapi delivery reports" in answer.get_json()["error"]["message"]


def test_a_huge_body_is_refused_before_it_is_read(client, sent):
    answer = client.post(
        URL, data=b"[" + b" " * (3 * 1024 * 1024) + b"]", content_type="application/json"
    )
    assert answer.status_code == 413


def test_a_failed_call_out_message_shows_in_the_coordinators_failures(
    client, routed_app, solapi_stub, create_mission, create_volunteer
):
    mission = create_mission(capacity=3)
    volunteer = create_volunteer(phone="+821012345678")
    callout = callouts.create_callout(
        mission, audience=callouts.audiences.Audience(), is_urgent=True
    )
    db.session.commit()
    callouts.run_wave(callout, callout.created_at)
    db.session.commit()
    message = db.session.query(Message).filter_by(volunteer_id=volunteer.id).one()
    send_messages.run([message.id])
    sid = reload(message).provider_sid

    post(client, solapi_stub.reports({sid: "3059"}))

    [failure] = callouts.failures(db.session.get(CallOut, callout.id))
    assert (failure.id, failure.status, failure.error_code) == (message.id, "failed", 3059)
    assert failure.route == "solapi"
    assert MessageStatus.FAILED == failure.status

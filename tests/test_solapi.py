"""The Korean route: the real solapi SDK against the local Solapi-compatible server, through the
outbox. Batches per request, SMS or LMS by size, faults, exactly once, routing by country."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coordinator.domain import callouts
from coordinator.domain.audience import Audience
from coordinator.extensions import db
from coordinator.models import Message, MessageStatus
from coordinator.sms.gateway import (
    Outgoing,
    PermanentSendError,
    SolapiGateway,
    TransientSendError,
    get_gateway,
)
from coordinator.sms.outbox import queue_sms
from coordinator.timeutil import now_utc
from tasks.sms import send_messages, sweep_outbox, sync_provider_opt_outs
from tests.support.callouts import queue_message_fixture, stub_fixture  # noqa: F401
from tests.support.solapi import routed_app_fixture, solapi_stub_fixture  # noqa: F401
from tests.support.solapi_stub import DEFAULT_API_KEY, DEFAULT_API_SECRET

KOREAN = "+821012345678"


@pytest.fixture
def gateway(solapi_stub):
    return SolapiGateway(
        api_key=DEFAULT_API_KEY,
        api_secret=DEFAULT_API_SECRET,
        sender="02-1234-5678",
        api_base_url=solapi_stub.url,
        subject="동물구조단",
    )


class Retried(Exception):
    def __init__(self, args, countdown):
        super().__init__(args, countdown)
        self.ids, self.countdown = args[0], countdown


@pytest.fixture
def retries(monkeypatch):
    def retry(*, args, countdown):
        raise Retried(args, countdown)

    monkeypatch.setattr(send_messages, "retry", retry)


def reload(message):
    return db.session.get(Message, message.id, populate_existing=True)


def say(volunteer, text, key=None):
    """Queue a hand-written answer (any length) to a volunteer, committed."""
    message = queue_sms(
        volunteer,
        "inbox_reply",
        kind="staff_reply",
        text=text,
        idempotency_key=key or f"say:{volunteer.id}:{hash(text)}",
    )
    db.session.commit()
    return message


# -- the gateway alone ----------------------------------------------------------------------


def test_the_sdk_signs_each_request_and_the_server_refuses_a_wrong_secret(solapi_stub):
    wrong = SolapiGateway(
        api_key=DEFAULT_API_KEY,
        api_secret="not-the-secret",
        sender="0212345678",
        api_base_url=solapi_stub.url,
    )
    with pytest.raises(TransientSendError, match="signature does not match"):
        wrong.send(KOREAN, "구조 요청")
    assert solapi_stub.messages == []


def test_a_message_goes_from_the_registered_sender_to_the_domestic_number(gateway, solapi_stub):
    result = gateway.send(KOREAN, "내일 07시 구조 현장")

    [sent] = solapi_stub.messages
    assert (sent["from"], sent["to"], sent["country"]) == ("0212345678", "01012345678", "82")
    assert (sent["type"], sent["text"]) == ("SMS", "내일 07시 구조 현장")
    assert result.sid == sent["messageId"]


def test_a_long_text_goes_as_lms_with_the_organisation_as_subject(gateway, solapi_stub):
    gateway.send(KOREAN, "긴 안내문입니다. " * 10)

    [sent] = solapi_stub.messages
    assert (sent["type"], sent["subject"]) == ("LMS", "동물구조단")


def test_emoji_are_replaced_before_sending_never_sent_to_fail(gateway, solapi_stub):
    gateway.send(KOREAN, "고마워요 🐶❤️")

    assert solapi_stub.messages[0]["text"] == "고마워요 ??"


def test_a_text_too_long_even_for_lms_is_refused_without_a_request(gateway, solapi_stub):
    with pytest.raises(PermanentSendError, match="longer than 2000 bytes"):
        gateway.send(KOREAN, "가" * 1001)
    assert solapi_stub.requests == []


def test_one_request_carries_a_whole_batch_and_each_message_gets_its_own_answer(
    gateway, solapi_stub
):
    solapi_stub.fail_number("01099990000", "3059")
    items = [Outgoing(i, f"+8210{i:08d}", f"구조 {i}") for i in range(1, 6)]
    items.append(Outgoing(99, "+821099990000", "구조 99"))

    answers = gateway.send_batch(items)

    assert len(solapi_stub.requests) == 1
    assert isinstance(answers[99], PermanentSendError) and answers[99].code == 3059
    accepted = {m["customFields"]["ref"]: m["messageId"] for m in solapi_stub.messages}
    assert {str(i): answers[i].sid for i in range(1, 6)} == accepted


@pytest.mark.parametrize("fault", ["fail_429_count", "fail_500_count"])
def test_a_refused_request_is_worth_retrying_and_was_not_accepted(gateway, solapi_stub, fault):
    solapi_stub.set_mode(**{fault: 1})
    with pytest.raises(TransientSendError) as error:
        gateway.send(KOREAN, "구조")
    assert not error.value.maybe_accepted
    assert solapi_stub.messages == []


def test_a_connection_lost_after_acceptance_is_in_doubt_and_found_by_the_look_up(
    gateway, solapi_stub
):
    solapi_stub.set_mode(drop_after_accept_count=1)
    since = datetime.now(UTC)
    with pytest.raises(TransientSendError) as error:
        gateway.send(KOREAN, "구조 현장 안내")
    assert error.value.maybe_accepted

    found = gateway.find_sent(KOREAN, "구조 현장 안내", since)
    assert found is not None and found.sid == solapi_stub.messages[0]["messageId"]
    assert gateway.find_sent(KOREAN, "다른 문자", since) is None


def test_an_answer_later_than_the_sdks_timeout_is_in_doubt_not_refused(gateway, solapi_stub):
    solapi_stub.set_mode(late_after_accept_count=1, late_seconds=6.5)  # the SDK waits 5 s

    with pytest.raises(TransientSendError, match="Timeout") as error:
        gateway.send(KOREAN, "늦은 응답")

    assert error.value.maybe_accepted  # the stub took it: sending again could double it
    assert len(solapi_stub.messages) == 1


# -- through the outbox ---------------------------------------------------------------------


def test_korean_numbers_go_through_solapi_and_foreign_ones_through_twilio(
    routed_app, solapi_stub, stub, create_volunteer
):
    korean = create_volunteer("김민준", phone=KOREAN)
    foreign = create_volunteer("Alex", phone="+15005550001", language="en")
    here, abroad = say(korean, "내일 봬요"), say(foreign, "See you tomorrow")

    assert send_messages.run([here.id, abroad.id]) == 2

    here, abroad = reload(here), reload(abroad)
    assert (here.route, here.message_type, here.status) == ("solapi", "SMS", "sent")
    assert here.provider_sid == solapi_stub.messages[0]["messageId"]
    assert (abroad.route, abroad.message_type, abroad.status) == ("twilio", "SMS", "sent")
    assert [m["to"] for m in stub.messages] == ["+15005550001"]
    assert [m["to"] for m in solapi_stub.messages] == ["01012345678"]


def test_the_type_is_chosen_when_queued_and_stored_on_the_message(routed_app, create_volunteer):
    volunteer = create_volunteer(phone=KOREAN)
    short, long = say(volunteer, "네", "a"), say(volunteer, "자세한 안내입니다. " * 10, "b")
    assert (short.route, short.message_type) == ("solapi", "SMS")
    assert (long.route, long.message_type) == ("solapi", "LMS")


def test_a_chunk_of_messages_is_one_request_and_every_answer_is_recorded(
    routed_app, solapi_stub, create_volunteer
):
    routed_app.config["SOLAPI_BATCH_SIZE"] = 4
    solapi_stub.fail_number("01020000003", "3059")
    people = [create_volunteer(f"v{i}", phone=f"+8210{20000000 + i:08d}") for i in range(10)]
    messages = [say(v, f"구조 안내 {i}") for i, v in enumerate(people)]

    assert send_messages.run([m.id for m in messages]) == 9

    assert [r["count"] for r in solapi_stub.requests] == [4, 4, 2]
    by_ref = {m["customFields"]["ref"]: m["messageId"] for m in solapi_stub.messages}
    for message in map(reload, messages):
        if message.phone == "+821020000003":
            assert (message.status, message.error_code) == ("failed", 3059)
        else:
            assert (message.status, message.provider_sid) == ("sent", by_ref[str(message.id)])
    assert solapi_stub.duplicates() == {}


@pytest.mark.parametrize("fault", ["fail_429_count", "fail_500_count"])
def test_a_refused_batch_is_retried_with_backoff_and_sent_once(
    routed_app, solapi_stub, create_volunteer, retries, fault
):
    routed_app.config["SOLAPI_BATCH_SIZE"] = 3
    people = [create_volunteer(f"v{i}", phone=f"+8210{30000000 + i:08d}") for i in range(5)]
    messages = [say(v, f"구조 {i}") for i, v in enumerate(people)]
    solapi_stub.set_mode(**{fault: 1})

    with pytest.raises(Retried) as retry:
        send_messages.run([m.id for m in messages])

    assert retry.value.ids == [m.id for m in messages]  # nothing accepted, all back in line
    assert retry.value.countdown > 0
    assert {reload(m).status for m in messages} == {"queued"}
    assert send_messages.run(retry.value.ids) == 5
    assert len(solapi_stub.messages) == 5 and solapi_stub.duplicates() == {}


def test_after_a_lost_answer_the_batch_is_settled_from_the_provider_never_resent(
    routed_app, solapi_stub, create_volunteer
):
    people = [create_volunteer(f"v{i}", phone=f"+8210{40000000 + i:08d}") for i in range(3)]
    messages = [say(v, f"구조 {i}") for i, v in enumerate(people)]
    solapi_stub.set_mode(drop_after_accept_count=1)

    assert send_messages.run([m.id for m in messages]) == 0
    assert {reload(m).status for m in messages} == {"sending"}  # in doubt: held, not resent
    send_messages.run([m.id for m in messages])  # a redelivered task finds them claimed
    assert len(solapi_stub.messages) == 3

    stale = now_utc() - timedelta(seconds=routed_app.config["OUTBOX_SENDING_STALE_SECONDS"] + 5)
    db.session.execute(Message.__table__.update().values(claimed_at=stale))
    db.session.commit()
    sweep_outbox.run()

    by_ref = {m["customFields"]["ref"]: m["messageId"] for m in solapi_stub.messages}
    for message in map(reload, messages):
        assert (message.status, message.provider_sid) == ("sent", by_ref[str(message.id)])
    assert len(solapi_stub.messages) == 3 and solapi_stub.duplicates() == {}


def test_nothing_goes_to_a_volunteer_who_opted_out(routed_app, solapi_stub, create_volunteer):
    stopped = create_volunteer(phone=KOREAN, opted_out_at=now_utc())
    assert queue_sms(stopped, "inbox_reply", kind="staff_reply", text="안녕하세요") is None
    db.session.commit()

    assert db.session.scalars(select(Message)).all() == []
    assert solapi_stub.requests == []


def test_a_call_out_message_queued_before_an_opt_out_is_not_sent(
    routed_app, solapi_stub, create_volunteer, queue_message
):
    volunteer = create_volunteer(phone=KOREAN)
    message = queue_message(volunteer, kind="callout")
    volunteer.opted_out_at = now_utc()
    db.session.commit()

    send_messages.run([message.id])

    assert reload(message).status != MessageStatus.SENT
    assert solapi_stub.messages == []


def test_each_route_has_its_own_gateway_built_once(routed_app):
    config = routed_app.config
    assert get_gateway(config, "solapi") is get_gateway(config, "solapi")
    assert isinstance(get_gateway(config, "solapi"), SolapiGateway)
    assert not get_gateway(config, "twilio").sends_batches


# -- Alimtalk -------------------------------------------------------------------------------

KAKAO = {
    "KAKAO_CHANNEL_ID": "KA01PF2412010000",
    "KAKAO_TEMPLATES": '{"mission_cancelled.ko": {"template_id": "KA01TP2412010001", '
    '"variables": {"#{임무}": "mission.title", "#{코드}": "mission.code"}}}',
}


def cancelled_notice(volunteer, mission):
    message = queue_sms(
        volunteer,
        "mission_cancelled",
        kind="mission_cancelled",
        idempotency_key=f"cancel:{volunteer.id}",
        mission=mission,
    )
    db.session.commit()
    return message


def test_a_message_with_a_template_goes_as_alimtalk_with_the_sms_text_as_fallback(
    routed_app, solapi_stub, create_volunteer, create_mission
):
    routed_app.config.update(KAKAO)
    mission = create_mission(title="개농장 구조")
    message = cancelled_notice(create_volunteer(phone=KOREAN), mission)
    assert (message.route, message.message_type) == ("solapi", "ALIMTALK")

    send_messages.run([message.id])

    [sent] = solapi_stub.messages
    assert sent["type"] == "ATA" and sent["text"] == message.body  # the SMS if Kakao fails
    assert sent["kakaoOptions"] == {
        "pfId": "KA01PF2412010000",
        "templateId": "KA01TP2412010001",
        "disableSms": False,
        "variables": {"#{임무}": "개농장 구조", "#{코드}": mission.code},
    }
    assert reload(message).status == "sent"


def test_without_a_template_for_their_language_the_same_notice_goes_as_sms(
    routed_app, solapi_stub, create_volunteer, create_mission
):
    routed_app.config.update(KAKAO)
    message = cancelled_notice(create_volunteer(phone=KOREAN, language="en"), create_mission())

    send_messages.run([message.id])

    assert message.message_type in ("SMS", "LMS")
    assert solapi_stub.messages[0]["type"] == message.message_type
    assert solapi_stub.messages[0]["kakaoOptions"] is None


def test_a_call_out_never_goes_as_alimtalk_even_with_templates_configured(
    routed_app, solapi_stub, create_volunteer, create_mission
):
    routed_app.config.update(KAKAO)
    volunteer = create_volunteer(phone=KOREAN)
    mission = create_mission()
    callout = callouts.create_callout(mission, audience=Audience(), is_urgent=True)
    db.session.commit()
    callouts.run_wave(callout, now_utc())
    db.session.commit()

    message = db.session.scalars(select(Message).where(Message.volunteer_id == volunteer.id)).one()
    assert message.message_type in ("SMS", "LMS")
    send_messages.run([message.id])
    assert solapi_stub.messages[0]["type"] in ("SMS", "LMS")


# -- the 080 opt-out line -------------------------------------------------------------------


def test_numbers_that_called_the_080_line_are_opted_out_and_their_queue_cancelled(
    routed_app, solapi_stub, create_volunteer
):
    caller = create_volunteer("전화로 거부", phone="+821011110000")
    keen = create_volunteer("계속 받음", phone="+821022220000")
    waiting = say(caller, "내일 안내")
    solapi_stub.deny("01011110000", "01099990000")  # the second is nobody we know

    assert sync_provider_opt_outs.run() == 1
    assert sync_provider_opt_outs.run() == 0  # already opted out: nothing new

    db.session.expire_all()
    assert caller.is_opted_out and "080" in caller.opt_out_note
    assert not keen.is_opted_out
    assert reload(waiting).status == "cancelled"
    assert queue_sms(caller, "inbox_reply", kind="staff_reply", text="또 안내") is None


def test_a_long_080_list_is_read_page_by_page(
    routed_app, solapi_stub, create_volunteer, monkeypatch
):
    people = [create_volunteer(f"v{i}", phone=f"+8210{60000000 + i:08d}") for i in range(12)]
    solapi_stub.deny(*("0" + v.phone[3:] for v in people))
    monkeypatch.setattr("coordinator.sms.providers.solapi.gateway.OPT_OUT_PAGE", 5)

    numbers = get_gateway(routed_app.config, "solapi").opted_out_numbers()

    assert sorted(numbers) == sorted(v.phone for v in people)


def test_without_the_solapi_route_the_sync_asks_nobody(app, solapi_stub):
    assert sync_provider_opt_outs.run() == 0
    assert solapi_stub.requests == []

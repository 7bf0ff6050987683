"""POST /sms/inbound: signed by Twilio, stored once per MessageSid, answered in TwiML."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Direction, Message, Signup, SignupStatus
from tests.support.conversation import inbound_form, signed_headers

pytestmark = pytest.mark.app_config(ORGANISATION_CONTACT="010-1234-5678")


def reply_text(response) -> str:
    root = ET.fromstring(response.get_data())
    return "".join(node.text or "" for node in root.iter("Message"))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_yes_by_sms_books_the_place_and_is_answered_in_twiml(
    app, create_mission, create_volunteer, invite, text_in
):
    mission = create_mission(code="B7", capacity=2)
    volunteer = create_volunteer()
    invite(mission, volunteer)

    response = text_in(volunteer.phone, "네")

    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "확정" in reply_text(response)
    assert db.session.scalar(select(Signup.status)) == SignupStatus.CONFIRMED
    inbound, answer = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert (inbound.direction, inbound.body, inbound.volunteer_id) == ("in", "네", volunteer.id)
    assert answer.direction == Direction.OUTBOUND and answer.status == "sent"
    assert answer.in_reply_to_id == inbound.id and answer.body == reply_text(response)


def test_the_same_message_sid_twice_acts_once_and_answers_the_same(
    app, create_mission, create_volunteer, invite, text_in
):
    mission = create_mission(code="B7", capacity=1)
    first, second = create_volunteer("가"), create_volunteer("나")
    invite(mission, first, second)

    one = text_in(first.phone, "yes", sid="SM" + "a" * 32)
    again = text_in(first.phone, "yes", sid="SM" + "a" * 32)

    assert reply_text(one) == reply_text(again) and "확정" in reply_text(again)
    assert count(Signup) == 1 and count(Message) == 2
    later = text_in(second.phone, "yes")
    assert "대기 1번" in reply_text(later)


def test_a_number_that_is_not_a_volunteer_is_told_how_to_register_and_nothing_else(
    app, create_mission, text_in
):
    create_mission(code="B7")

    response = text_in("+821099998888", "네 참여할게요")

    assert "등록된 번호가 아니에요" in reply_text(response)
    assert "010-1234-5678" in reply_text(response)
    inbound = db.session.scalar(select(Message).where(Message.direction == "in"))
    assert inbound.volunteer_id is None and inbound.phone == "+821099998888"
    assert not inbound.needs_attention and count(Signup) == 0


def test_a_foreign_unknown_number_is_answered_in_english(app, text_in):
    response = text_in("+447700900123", "hello?")
    assert "not registered" in reply_text(response)


def test_an_unclear_message_is_answered_and_kept_for_the_inbox(app, create_volunteer, text_in):
    volunteer = create_volunteer()

    response = text_in(volunteer.phone, "내일 비 오면 어떻게 해요")

    assert "담당자가 읽고 답장드릴게요" in reply_text(response)  # a question: a person answers
    inbound = db.session.scalar(select(Message).where(Message.direction == "in"))
    assert inbound.needs_attention


def test_a_local_format_sender_number_is_matched_to_the_volunteer(app, create_volunteer, text_in):
    volunteer = create_volunteer(phone="+821012345678")
    text_in("010-1234-5678", "status")
    inbound = db.session.scalar(select(Message).where(Message.direction == "in"))
    assert inbound.volunteer_id == volunteer.id


def test_a_forged_signature_is_refused_and_changes_nothing(app, client, create_volunteer):
    form = inbound_form(create_volunteer().phone, "yes")
    response = client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": "forged="})
    assert response.status_code == 403
    assert count(Message) == 0


def test_a_missing_signature_is_refused(app, client, create_volunteer):
    response = client.post("/sms/inbound", data=inbound_form(create_volunteer().phone, "yes"))
    assert response.status_code == 403 and count(Message) == 0


def test_a_signature_for_another_url_is_refused(app, client, create_volunteer):
    form = inbound_form(create_volunteer().phone, "yes")
    headers = signed_headers(app, form, path="/sms/status")
    assert client.post("/sms/inbound", data=form, headers=headers).status_code == 403
    assert count(Message) == 0


def test_a_replayed_signature_with_a_changed_body_is_refused(app, client, create_volunteer):
    form = inbound_form(create_volunteer().phone, "no")
    headers = signed_headers(app, form)
    assert client.post("/sms/inbound", data=form, headers=headers).status_code == 200
    tampered = {**form, "Body": "yes", "MessageSid": form["MessageSid"] + "x"}
    assert client.post("/sms/inbound", data=tampered, headers=headers).status_code == 403
    assert count(Message, Message.direction == "in") == 1


def test_a_replayed_request_has_no_second_effect(
    app, client, create_mission, create_volunteer, invite, text_in
):
    mission = create_mission(code="B7", capacity=5)
    volunteer = create_volunteer()
    invite(mission, volunteer)
    text_in(volunteer.phone, "네")
    form = inbound_form(volunteer.phone, "취소")
    headers = signed_headers(app, form)

    answers = {
        reply_text(client.post("/sms/inbound", data=form, headers=headers)) for _ in range(3)
    }

    assert len(answers) == 1 and "취소됐어요" in answers.pop()
    assert count(Message, Message.provider_sid == form["MessageSid"]) == 1
    assert count(Message, Message.in_reply_to_id.is_not(None)) == 2
    assert db.session.scalar(select(Signup.status)) == SignupStatus.CANCELLED


def test_a_signed_request_without_a_message_sid_gets_a_clear_400(app, client, create_volunteer):
    form = {"From": create_volunteer().phone, "Body": "yes"}
    response = client.post("/sms/inbound", data=form, headers=signed_headers(app, form))
    assert response.status_code == 400
    assert "MessageSid" in response.get_json()["error"]["message"]


def test_a_booking_reply_costs_the_same_statements_however_busy_the_mission(
    app, create_mission, create_volunteer, invite, text_in
):
    """The webhook runs inside Twilio's 15 s and under a crowd: its SQL must not grow."""
    from tests.support.queries import counted

    mission = create_mission(code="B7", capacity=3)
    people = [create_volunteer(f"봉사자{i}") for i in range(40)]
    invite(mission, *people)
    text_in(people[0].phone, "네")  # warm up

    def statements(volunteer) -> int:
        phone = volunteer.phone
        with counted() as sent:
            response = text_in(phone, "네")
        assert response.status_code == 200
        return len(sent)

    early = statements(people[1])  # confirmed
    for person in people[2:30]:
        text_in(person.phone, "네")
    late = statements(people[30])  # waitlisted, behind 27 others

    assert count(Signup, Signup.status == SignupStatus.CONFIRMED) == 3
    # Confirmed: 12 with the skill check; waitlisted adds one count of the people ahead.
    assert early <= 12 and late <= 13, (early, late)

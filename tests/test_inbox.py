"""The coordinators' inbox: what the SMS conversation could not settle, answered by hand."""

import pytest
from sqlalchemy import select

from coordinator.domain import inbound, signups
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import Message, SignupSource, StaffRole


@pytest.fixture
def coordinator(create_staff, login):
    user = create_staff(StaffRole.COORDINATOR)
    login(user)
    return user


def flagged() -> Message:
    return db.session.scalar(select(Message).where(Message.direction == "in"))


def test_an_sms_the_conversation_cannot_read_waits_in_the_inbox(
    app, client, coordinator, create_volunteer, text_in
):
    volunteer = create_volunteer("최하은")
    text_in(volunteer.phone, "개가 다리를 다쳤어요, 전화 주세요")

    page = client.get("/inbox/").get_data(as_text=True)

    assert "최하은" in page and "개가 다리를 다쳤어요, 전화 주세요" in page
    assert "담당자도 읽어요" in page  # the automatic answer they already got


def test_a_coordinator_answers_by_sms_from_the_inbox_and_the_message_leaves_it(
    app, client, coordinator, create_volunteer, text_in, csrf_token
):
    volunteer = create_volunteer()
    text_in(volunteer.phone, "주차는 어디에 하나요")
    message = flagged()
    page = client.get("/inbox/")

    response = client.post(
        f"/inbox/{message.id}/reply",
        data={"text": "역 앞 공영주차장에 세우세요", "csrf_token": csrf_token(page)},
    )

    assert response.status_code == 303
    sent = db.session.scalar(select(Message).where(Message.kind == "staff_reply"))
    assert sent.body == "역 앞 공영주차장에 세우세요" and sent.status == "queued"
    assert sent.volunteer_id == volunteer.id and sent.in_reply_to_id == message.id
    assert not flagged().needs_attention
    assert "주차는 어디에 하나요" not in client.get("/inbox/").get_data(as_text=True)


def test_sending_the_same_answer_twice_queues_it_once(app, create_staff, create_volunteer, text_in):
    volunteer = create_volunteer()
    text_in(volunteer.phone, "질문 있어요")
    staff = create_staff()
    message = flagged()

    first = inbound.reply_by_hand(message, "네 말씀하세요", staff=staff)
    again = inbound.reply_by_hand(message, "네  말씀하세요 ", staff=staff)

    assert first.id == again.id


def test_an_empty_answer_is_refused_and_the_message_stays(
    app, client, coordinator, create_volunteer, text_in, csrf_token
):
    text_in(create_volunteer().phone, "???? 뭐죠")
    message = flagged()
    page = client.get("/inbox/")

    response = client.post(
        f"/inbox/{message.id}/reply",
        data={"text": "  ", "csrf_token": csrf_token(page)},
        follow_redirects=True,
    )

    assert "write the answer" in response.get_data(as_text=True)
    assert flagged().needs_attention
    assert db.session.scalar(select(Message).where(Message.kind == "staff_reply")) is None


def test_an_opted_out_volunteer_cannot_be_texted_from_the_inbox(
    app, create_staff, create_volunteer, text_in
):
    volunteer = create_volunteer()
    text_in(volunteer.phone, "STOP")
    text_in(volunteer.phone, "근데 토요일은 어떻게 돼요")
    message = db.session.scalars(select(Message).where(Message.direction == "in")).all()[-1]
    assert message.needs_attention

    with pytest.raises(Conflict, match="opted out"):
        inbound.reply_by_hand(message, "전화 드릴게요", staff=create_staff())


def test_marking_handled_takes_a_message_out_of_the_inbox(
    app, client, coordinator, create_volunteer, text_in, csrf_token
):
    text_in(create_volunteer().phone, "이번 주는 바빠요 다음에 연락 주세요 ㅠ")
    message = flagged()
    page = client.get("/inbox/")

    client.post(f"/inbox/{message.id}/handled", data={"csrf_token": csrf_token(page)})

    assert not flagged().needs_attention


def test_a_late_cancellation_shows_in_the_inbox_and_texts_the_mission_team(
    app, client, coordinator, create_staff, create_mission, create_volunteer
):
    lead = create_staff(StaffRole.TEAM_LEAD, phone="010-2222-3333", name="박팀장")
    no_phone = create_staff(StaffRole.TEAM_LEAD, name="전화없음")
    mission = create_mission(
        code="B7", day=1, created_by=coordinator, team_leads=[lead, no_phone], shifts=[(0, 1)]
    )
    volunteer = create_volunteer("김민준")
    signup = signups.sign_up(volunteer, mission.positions[0], source=SignupSource.SMS)
    signups.cancel(signup)
    db.session.commit()

    page = client.get("/inbox/").get_data(as_text=True)

    assert "Late cancellations" in page and "김민준" in page
    alerts = db.session.scalars(select(Message).where(Message.kind == "alert")).all()
    assert [a.phone for a in alerts] == ["+821022223333"]  # only staff with a phone
    assert "김민준" in alerts[0].body and "B7" in alerts[0].body


def test_team_leads_do_not_see_the_inbox(app, client, create_staff, login):
    login(create_staff(StaffRole.TEAM_LEAD))
    assert client.get("/inbox/").status_code == 403


def test_a_question_reaches_the_inbox_and_the_navigation_counts_what_waits(
    app, client, coordinator, create_volunteer, text_in, csrf_token
):
    volunteer = create_volunteer("최하은")
    text_in(volunteer.phone, "몇 시에 끝나요? 주차 가능한가요?")
    text_in(volunteer.phone, "개가 다리를 다쳤어요")

    board = client.get("/").get_data(as_text=True)
    inbox = client.get("/inbox/").get_data(as_text=True)

    assert 'Inbox <span class="badge">2<' in board or '받은 문자 <span class="badge">2<' in board
    assert "몇 시에 끝나요? 주차 가능한가요?" in inbox
    assert "담당자가 읽고 답장드릴게요" in inbox  # the holding answer they got

    token = csrf_token(client.get("/inbox/"))
    client.post(f"/inbox/{flagged().id}/handled", data={"csrf_token": token})
    assert '<span class="badge">1<' in client.get("/").get_data(as_text=True)

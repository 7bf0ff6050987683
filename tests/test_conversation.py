"""The SMS conversation: whatever a volunteer texts, they get a clear, short answer."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coordinator.domain import conversation, signups
from coordinator.extensions import db
from coordinator.models import (
    ConversationState,
    Invitation,
    Message,
    SignupSource,
    SignupStatus,
    StaffRole,
    Vehicle,
    Volunteer,
)
from coordinator.sms.outbox import queue_sms
from coordinator.sms.parsing import parse_reply
from coordinator.sms.segments import count_segments
from coordinator.timeutil import now_utc

pytestmark = pytest.mark.app_config(ORGANISATION_CONTACT="010-1234-5678")


def say(volunteer, text: str, **kwargs) -> conversation.Answer:
    answer = conversation.respond(volunteer, parse_reply(text), **kwargs)
    db.session.commit()
    return answer


@pytest.fixture
def farm(create_mission, create_staff):
    """A recruiting mission, T1-style code, two roles over two shifts, a named team lead."""
    lead = create_staff(StaffRole.TEAM_LEAD, name="박팀장")
    return create_mission(
        code="B7",
        roles={"Handler": "handler", "Driver": "driver"},
        shifts=[(7, 12), (13, 18)],
        capacity=2,
        is_address_confidential=True,
        address="화성시 비밀농장 7",
        team_leads=[lead],
    )


def test_yes_to_the_only_open_place_books_it_and_confirms_with_address_and_lead(
    app, create_mission, create_volunteer, invite, create_staff
):
    lead = create_staff(StaffRole.TEAM_LEAD, name="박팀장")
    mission = create_mission(
        code="B7",
        capacity=3,
        address="화성시 비밀농장 7",
        is_address_confidential=True,
        team_leads=[lead],
    )
    volunteer = create_volunteer()
    invite(mission, volunteer)

    answer = say(volunteer, "네")

    signup = signups.live_signup(volunteer, mission.positions[0])
    assert signup.status == SignupStatus.CONFIRMED and signup.source == SignupSource.SMS
    assert "확정" in answer.text and "Handler" in answer.text
    assert "화성시 비밀농장 7" in answer.text and "수원역 4번 출구" in answer.text
    assert "박팀장" in answer.text and "취소 B7" in answer.text
    invitation = db.session.scalar(select(Invitation))
    assert invitation.response == "accepted"


def test_yes_with_several_open_positions_gets_a_menu_and_a_number_books_that_one(
    app, farm, create_volunteer, invite
):
    volunteer = create_volunteer(skills=["handler", "driver"])
    invite(farm, volunteer)

    menu = say(volunteer, "yes")
    assert "1) Handler 07:00 2자리" in menu.text and "4) Driver 13:00" in menu.text
    assert db.session.get(ConversationState, volunteer.id).payload["positions"] == [
        p.id for p in conversation.position_options(farm)
    ]
    assert db.session.get(ConversationState, volunteer.id).kind == "positions"

    answer = say(volunteer, "3번")
    signup = signups.live_signup(volunteer, conversation.position_options(farm)[2])
    assert signup.status == SignupStatus.CONFIRMED
    assert "Driver" in answer.text
    assert db.session.get(ConversationState, volunteer.id) is None


def test_the_menu_offers_only_positions_the_volunteer_has_the_skill_for(
    app, farm, create_volunteer, invite
):
    volunteer = create_volunteer(skills=["handler"])
    invite(farm, volunteer)

    menu = say(volunteer, "YES")

    assert "Handler" in menu.text and "Driver" not in menu.text
    assert "1)" in menu.text and "2)" in menu.text and "3)" not in menu.text


def test_choosing_a_role_without_the_skill_is_refused_with_the_reason(
    app, farm, create_volunteer, invite
):
    volunteer = create_volunteer(skills=["handler"])
    invite(farm, volunteer)

    answer = say(volunteer, "B7 3")

    assert "'운전' 자격" in answer.text  # the skill as a Korean word, not the stored "driver"
    assert signups.live_signup(volunteer, conversation.position_options(farm)[2]) is None


def test_two_open_call_outs_ask_which_mission_and_the_code_alone_answers(
    app, farm, create_mission, create_volunteer, invite
):
    other = create_mission(code="H2", capacity=1, day=5)
    volunteer = create_volunteer()
    invite(farm, volunteer)
    invite(other, volunteer)

    question = say(volunteer, "네")
    assert "B7" in question.text and "H2" in question.text

    answer = say(volunteer, "H2")
    assert signups.live_signup(volunteer, other.positions[0]).status == SignupStatus.CONFIRMED
    assert "H2" in answer.text


def test_a_mission_code_and_option_book_directly_in_one_text(app, farm, create_volunteer):
    volunteer = create_volunteer(skills=["handler", "driver"])

    answer = say(volunteer, "B7 2")

    position = conversation.position_options(farm)[1]
    assert (position.role.name, position.shift.sms_key) == ("Handler", "PM")
    assert signups.live_signup(volunteer, position).status == SignupStatus.CONFIRMED
    assert "확정" in answer.text


def test_role_and_shift_keys_book_that_position(app, farm, create_volunteer):
    volunteer = create_volunteer(skills=["driver"])

    say(volunteer, "b7 d pm")

    position = conversation.position_options(farm)[3]
    assert (position.role.name, position.shift.sms_key) == ("Driver", "PM")
    assert signups.live_signup(volunteer, position).status == SignupStatus.CONFIRMED


def test_a_vehicle_offer_in_the_same_text_comes_with_the_booking(app, farm, create_volunteer):
    volunteer = create_volunteer(skills=["driver"])

    answer = say(volunteer, "B7 3 VAN 4")

    signup = signups.live_signup(volunteer, conversation.position_options(farm)[2])
    vehicle = db.session.get(Vehicle, signup.vehicle_id)
    assert (vehicle.kind, vehicle.crate_slots, vehicle.driver_id) == ("van", 4, volunteer.id)
    assert "차량: 승합차 크레이트 4" in answer.text


def test_a_vehicle_offered_with_yes_survives_the_menu(app, farm, create_volunteer, invite):
    volunteer = create_volunteer(skills=["handler", "driver"])
    invite(farm, volunteer)

    say(volunteer, "yes I bring my van with 6 crates")
    say(volunteer, "4")

    signup = signups.live_signup(volunteer, conversation.position_options(farm)[3])
    assert signup.vehicle is not None and signup.vehicle.crate_slots == 6


def test_yes_when_the_place_is_full_waitlists_and_says_the_place_in_line(
    app, create_mission, create_volunteer, invite
):
    mission = create_mission(code="B7", capacity=1)
    first, second, third = (create_volunteer(n) for n in ("가", "나", "다"))
    invite(mission, first, second, third)

    say(first, "네")
    say(second, "네")
    answer = say(third, "yes")

    assert "대기 2번" in answer.text
    statuses = [signups.live_signup(v, mission.positions[0]).status for v in (second, third)]
    assert statuses == [SignupStatus.WAITLISTED, SignupStatus.WAITLISTED]


def test_no_declines_every_invitation_for_the_mission(app, farm, create_volunteer, invite):
    volunteer = create_volunteer()
    invite(farm, volunteer)
    invite(farm, volunteer)  # a second wave reached them too

    answer = say(volunteer, "못가요")

    responses = db.session.scalars(select(Invitation.response)).all()
    assert responses == ["declined", "declined"]
    assert "B7" in answer.text
    assert "없어요" in say(volunteer, "네").text  # nothing open for them any more


def test_no_from_someone_booked_does_not_cancel_but_shows_a_coordinator(
    app, farm, create_volunteer, invite
):
    volunteer = create_volunteer()
    invite(farm, volunteer)
    say(volunteer, "B7 1")

    answer = say(volunteer, "아니요")

    assert answer.needs_attention and "취소 B7" in answer.text
    position = conversation.position_options(farm)[0]
    assert signups.live_signup(volunteer, position).status == SignupStatus.CONFIRMED


def test_cancel_frees_the_place_for_the_first_waitlisted_who_is_told_by_sms(
    app, create_mission, create_volunteer
):
    mission = create_mission(code="B7", capacity=1, day=5)
    booked, waiting = create_volunteer("가"), create_volunteer("나", language="en")
    say(booked, "B7 1")
    say(waiting, "B7 1")

    answer = say(booked, "취소")

    assert "취소됐어요" in answer.text
    offered = signups.live_signup(waiting, mission.positions[0])
    assert offered.status == SignupStatus.OFFERED
    offer = db.session.scalar(select(Message).where(Message.volunteer_id == waiting.id))
    assert "Reply YES by" in offer.body and offer.status == "queued"

    confirmed = say(waiting, "YES")
    assert "Confirmed" in confirmed.text
    assert offered.status == SignupStatus.CONFIRMED


def test_cancel_with_several_signups_asks_which_and_cancels_the_chosen_one(
    app, farm, create_volunteer
):
    volunteer = create_volunteer(skills=["handler", "driver"])
    say(volunteer, "B7 1")
    say(volunteer, "B7 4")

    menu = say(volunteer, "cancel")
    assert "1) B7 Handler" in menu.text and "2) B7 Driver" in menu.text

    say(volunteer, "2")
    options = conversation.position_options(farm)
    assert signups.live_signup(volunteer, options[0]).status == SignupStatus.CONFIRMED
    assert signups.live_signup(volunteer, options[3]) is None


def test_a_number_outside_the_menu_asks_again_with_the_valid_numbers(
    app, farm, create_volunteer, invite
):
    volunteer = create_volunteer(skills=["handler"])
    invite(farm, volunteer)
    say(volunteer, "네")

    answer = say(volunteer, "7")

    assert "1 또는 2" in answer.text and not answer.needs_attention


def test_a_menu_numbers_what_it_shows_from_one(app, farm, create_volunteer, invite):
    volunteer = create_volunteer(skills=["driver"], language="en")
    invite(farm, volunteer)

    menu = say(volunteer, "yes")

    assert "1) Driver 07:00" in menu.text and "2) Driver 13:00" in menu.text
    assert "3)" not in menu.text and "4)" not in menu.text
    say(volunteer, "2")
    afternoon_driver = conversation.position_options(farm)[3]
    assert signups.live_signup(volunteer, afternoon_driver).status == SignupStatus.CONFIRMED


def test_a_number_outside_the_menu_is_asked_again_not_refused_for_a_place_never_shown(
    app, farm, create_volunteer, invite
):
    volunteer = create_volunteer(skills=["handler"])
    invite(farm, volunteer)
    say(volunteer, "네")  # 1) Handler 07:00  2) Handler 13:00

    answer = say(volunteer, "3")  # the mission's own 3 is Driver 07:00, which needs a skill

    assert answer.text == "1 또는 2로 답장해 주세요."
    assert "driver" not in answer.text and not answer.needs_attention
    assert all(
        signups.live_signup(volunteer, p) is None for p in conversation.position_options(farm)
    )
    assert db.session.get(ConversationState, volunteer.id).kind == "positions"  # menu kept
    assert "Handler" in say(volunteer, "B7 2").text  # the menu's 2, code or not


def test_a_number_outside_the_menu_is_asked_again_in_english_too(
    app, farm, create_volunteer, invite
):
    volunteer = create_volunteer(skills=["handler", "driver"], language="en")
    invite(farm, volunteer)
    say(volunteer, "yes")

    assert say(volunteer, "5").text == "Please reply with a number from 1 to 4."


@pytest.mark.parametrize(
    ("text", "language", "holding"),
    [
        ("몇 시에 끝나요? 주차 가능한가요?", "ko", "담당자가 읽고 답장드릴게요"),
        ("주차 가능한가요", "ko", "담당자가 읽고 답장드릴게요"),
        ("Can I bring my own crate?", "en", "A coordinator will read it"),
    ],
)
def test_a_question_goes_to_a_person_with_a_holding_answer_and_books_nothing(
    app, farm, create_volunteer, invite, text, language, holding
):
    volunteer = create_volunteer(skills=["handler"], language=language)
    invite(farm, volunteer)

    answer = say(volunteer, text)

    assert holding in answer.text and "010-1234-5678" in answer.text
    assert answer.needs_attention
    assert "1)" not in answer.text  # not the booking menu
    assert all(
        signups.live_signup(volunteer, p) is None for p in conversation.position_options(farm)
    )


def test_a_question_asked_from_a_menu_keeps_the_menu(app, farm, create_volunteer, invite):
    volunteer = create_volunteer(skills=["handler"])
    invite(farm, volunteer)
    say(volunteer, "네")

    say(volunteer, "점심 주나요?")
    answer = say(volunteer, "2")

    assert "확정" in answer.text and "13:00" in answer.text


def test_korean_can_go_books_the_only_place(app, create_mission, create_volunteer, invite):
    mission = create_mission(code="B7", capacity=3)
    volunteer = create_volunteer()
    invite(mission, volunteer)

    answer = say(volunteer, "갈 수 있어요")

    assert "확정" in answer.text
    assert signups.live_signup(volunteer, mission.positions[0]).status == SignupStatus.CONFIRMED


def test_a_menu_expires_and_a_late_number_is_read_against_what_is_open_now(
    app, farm, create_mission, create_volunteer, invite
):
    volunteer = create_volunteer(skills=["handler", "driver"])
    invite(farm, volunteer)
    say(volunteer, "네")
    invite(create_mission(code="H2", day=5), volunteer)

    later = now_utc() + timedelta(hours=3)
    answer = say(volunteer, "2", now=later)

    assert "B7" in answer.text and "H2" in answer.text  # which mission? not a guess
    assert signups.live_signup(volunteer, conversation.position_options(farm)[1]) is None


def test_status_lists_upcoming_places_with_times_and_meeting_point(app, farm, create_volunteer):
    volunteer = create_volunteer(skills=["handler", "driver"])
    assert "없어요" in say(volunteer, "내 일정").text
    say(volunteer, "B7 1")

    answer = say(volunteer, "내 일정")

    assert "B7 Handler" in answer.text and "07:00" in answer.text
    assert "확정" in answer.text and "수원역 4번 출구" in answer.text


def test_stop_opts_out_so_nothing_more_is_queued_and_start_opts_back_in(app, create_volunteer):
    volunteer = create_volunteer()

    assert "수신거부" in say(volunteer, "STOP").text
    assert volunteer.opted_out_at is not None
    assert queue_sms(volunteer, "help", kind="test") is None
    assert say(volunteer, "네").text == ""  # Twilio would block an answer anyway

    assert "다시" in say(volunteer, "START").text
    assert volunteer.opted_out_at is None
    assert queue_sms(volunteer, "help", kind="test") is not None


def test_help_lists_what_to_reply_and_the_contact(app, create_volunteer):
    answer = say(create_volunteer(language="en"), "help")
    assert "YES, NO" in answer.text and "010-1234-5678" in answer.text


def test_link_answers_with_the_volunteers_personal_page(app, create_volunteer):
    answer = say(create_volunteer(), "링크")
    assert "https://rescue.example.org/v/" in answer.text


def test_anything_else_gets_short_help_and_is_kept_for_a_coordinator(app, create_volunteer):
    answer = say(create_volunteer(language="en"), "my dog is sick, can someone call me")
    assert answer.needs_attention
    assert "YES, NO" in answer.text and count_segments(answer.text).segments == 1


@pytest.mark.app_config(CHECK_IN_OPENS_MINUTES=60)
def test_here_checks_in_to_the_shift_open_now(app, create_mission, create_volunteer):
    mission = create_mission(code="B7", day=0)
    shift = mission.shifts[0]
    volunteer = create_volunteer()
    signups.sign_up(
        volunteer,
        mission.positions[0],
        source=SignupSource.STAFF,
        now=shift.starts_at - timedelta(hours=1),
    )  # booked before it started
    db.session.commit()

    answer = say(volunteer, "도착", now=shift.starts_at - timedelta(minutes=10))

    assert "도착 확인" in answer.text and "B7" in answer.text


def test_here_with_no_shift_open_says_so_in_their_language(app, create_volunteer):
    answer = say(create_volunteer(language="en"), "here")
    assert answer.text and not answer.text.startswith("도착")
    assert "check in" in answer.text.lower()


REPLY_WORDS = [
    "YES",
    "네",
    "NO",
    "B7",
    "2",
    "취소",
    "STATUS",
    "VAN",
    "4",
    "H",
    "AM",
    "도착",
    "HELP",
    "링크",
    "👍",
    "99",
    "0",
    "?",
    "START",
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.lists(st.sampled_from(REPLY_WORDS), max_size=6).map(" ".join),
    )
)
def test_any_text_gets_an_answer_that_fits_one_sms_where_it_can(app, farm, create_volunteer, text):
    volunteer = db.session.scalar(select(Volunteer).limit(1)) or create_volunteer(
        skills=["handler"]
    )
    volunteer.opted_out_at = None
    answer = conversation.respond(volunteer, parse_reply(text))
    db.session.rollback()

    assert answer.text
    # A menu, a confirmation or a list needs more room; everything else fits one SMS.
    long_ones = ("B7 ", "1)", "확정", "Confirmed", "내 일정", "https://")
    if not any(marker in answer.text for marker in long_ones):
        assert count_segments(answer.text).segments == 1, answer.text

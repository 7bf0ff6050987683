"""Who may book, and until when (coordinator.domain.eligibility), through every door.

SMS, the personal page, the staff roster and the API each ask why_cannot_book and word its
answer their own way; these tests drive each door with the same case and check that each
refuses (or books) alike, so a door with a copy of the rule that drifts fails here.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coordinator.domain import eligibility, signups
from coordinator.domain.conversation_menus import position_options
from coordinator.domain.eligibility import Refusal
from coordinator.extensions import db
from coordinator.models import Mission, MissionStatus, Signup, SignupSource, StaffRole, Volunteer
from coordinator.timeutil import now_utc
from tests.support.api import api_as_fixture  # noqa: F401
from tests.support.conversation import invite_fixture, text_in_fixture  # noqa: F401
from tests.support.coordinator_pages import post_form_fixture  # noqa: F401
from tests.support.personal import path

# What each door says, in English, for each refusal (the volunteer doors in their words).
SAYS = {
    "sms": {
        Refusal.SHIFT_STARTED: "is not taking sign-ups now",
        Refusal.MISSION_CLOSED: "is not taking sign-ups now",
        Refusal.SKILL: "needs the 'Vet' skill",  # the skill in the volunteer's words
        Refusal.OVERLAP: "You already have a place at that time",
        Refusal.OPTED_OUT: "<Response />",  # an opted-out number gets no answer (consent)
    },
    # "B7 YES": the menu offers only what the rule allows, and says why there is nothing.
    "sms menu": {
        Refusal.SHIFT_STARTED: "is not taking sign-ups now",
        Refusal.MISSION_CLOSED: "is not taking sign-ups now",
        Refusal.SKILL: "no place on B7 that fits your skills",
        Refusal.OVERLAP: "You already have a place at that time",
        Refusal.OPTED_OUT: "<Response />",
    },
    "personal page": {
        Refusal.SHIFT_STARTED: "This shift has started: it takes no more sign-ups.",
        Refusal.MISSION_CLOSED: "This mission is not taking sign-ups now.",
        Refusal.SKILL: "This role needs a skill you do not have.",
        Refusal.OVERLAP: "You already have a place at that time.",
        Refusal.OPTED_OUT: "You opted out of our messages",
    },
}
STAFF_SAYS = {
    Refusal.SHIFT_STARTED: "this shift has started: it takes no more sign-ups",
    Refusal.MISSION_CLOSED: "is not taking sign-ups now",
    Refusal.SKILL: "needs the skill &#39;vet&#39;",
    Refusal.OVERLAP: "already has a place in an overlapping shift",
    Refusal.OPTED_OUT: "has opted out of SMS",
}
SAYS["staff roster"] = STAFF_SAYS
SAYS["api"] = {r: text.replace("&#39;", "'") for r, text in STAFF_SAYS.items()}
DOORS = list(SAYS)


@pytest.fixture
def book(client, csrf_token, create_staff, login, post_form, api_as, text_in):
    """book[door](volunteer, position) -> what the door answered (text), through its front."""
    staff = create_staff(StaffRole.COORDINATOR, language="en")

    def sms(volunteer: Volunteer, position) -> str:
        numbers = [p.id for p in position_options(position.mission)]
        response = text_in(
            volunteer.phone, f"{position.mission.code} {numbers.index(position.id) + 1}"
        )
        return response.get_data(as_text=True)

    def sms_menu(volunteer: Volunteer, position) -> str:
        return text_in(volunteer.phone, f"{position.mission.code} YES").get_data(as_text=True)

    def personal_page(volunteer: Volunteer, position) -> str:
        url = path(volunteer, position.mission_id, f"/take/{position.id}")
        token = csrf_token(client.get(path(volunteer)))
        return client.post(url, data={"csrf_token": token}).get_data(as_text=True)

    def staff_roster(volunteer: Volunteer, position) -> str:
        login(staff)
        page = f"/missions/{position.mission_id}/roster"
        # A number on file is added once the coordinator confirms whose it is (the roster
        # asks first): the confirmed form, as their second click sends it.
        return post_form(
            f"{page}/add",
            {
                "volunteer": volunteer.phone,
                "position_id": str(position.id),
                "confirm_volunteer_id": str(volunteer.id),
            },
            page=page,
        ).get_data(as_text=True)

    def api(volunteer: Volunteer, position) -> str:
        response = api_as(user=staff).post(
            f"/missions/{position.mission_id}/roster",
            {"volunteer_id": volunteer.id, "position_id": position.id},
        )
        return response.get_data(as_text=True)

    return {
        "sms": sms,
        "sms menu": sms_menu,
        "personal page": personal_page,
        "staff roster": staff_roster,
        "api": api,
    }


def _signups_of(volunteer: Volunteer, mission: Mission) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(Signup)
        .where(
            Signup.volunteer_id == volunteer.id,
            Signup.mission_id == mission.id,
            Signup.status != "cancelled",
        )
    )


def _started(mission: Mission) -> None:
    shift = mission.shifts[0]
    shift.starts_at, shift.ends_at = (
        now_utc() - timedelta(minutes=10),
        now_utc() + timedelta(hours=3),
    )
    mission.starts_at, mission.ends_at = shift.starts_at, shift.ends_at
    db.session.commit()


@pytest.fixture
def case(create_mission, create_volunteer, invite):
    """case(refusal) -> (volunteer, position) that every door should refuse for that reason."""

    def make(refusal: Refusal | None):
        volunteer = create_volunteer("Kim", language="en")
        roles = {"Vet": "vet"} if refusal == Refusal.SKILL else {"Handler": "handler"}
        mission = create_mission(roles=roles, code="B7")
        if refusal == Refusal.SHIFT_STARTED:
            _started(mission)
        if refusal == Refusal.OVERLAP:
            other = create_mission(code="C3")
            signups.sign_up(volunteer, other.positions[0], source=SignupSource.STAFF)
        if refusal == Refusal.OPTED_OUT:
            volunteer.opted_out_at = now_utc()
        db.session.commit()
        invite(mission, volunteer)
        return volunteer, mission.positions[0]

    return make


REFUSED_EVERYWHERE = [Refusal.SHIFT_STARTED, Refusal.SKILL, Refusal.OVERLAP, Refusal.OPTED_OUT]


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("refusal", REFUSED_EVERYWHERE)
def test_every_door_refuses_the_same_booking_for_the_same_reason(
    app, door: str, refusal: Refusal, case: Callable, book: dict
):
    volunteer, position = case(refusal)
    assert (
        eligibility.why_cannot_book(volunteer, position, now=now_utc(), source=SignupSource.SMS)
        == refusal
    )

    answer = book[door](volunteer, position)

    assert _signups_of(volunteer, position.mission) == 0
    assert SAYS[door][refusal] in answer


@pytest.mark.parametrize("door", DOORS)
def test_every_door_books_a_place_the_rule_allows(
    app, door: str, case: Callable, book: dict, create_mission
):
    volunteer, position = case(None)
    assert (
        eligibility.why_cannot_book(volunteer, position, now=now_utc(), source=SignupSource.SMS)
        is None
    )

    book[door](volunteer, position)

    assert _signups_of(volunteer, position.mission) == 1


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("status", [MissionStatus.DRAFT, MissionStatus.UNDERWAY])
def test_volunteers_answer_only_while_recruiting_but_staff_fill_drafts_and_missions_under_way(
    app, door: str, status: str, case: Callable, book: dict
):
    volunteer, position = case(None)
    position.mission.status = status
    db.session.commit()

    answer = book[door](volunteer, position)

    by_staff = door in ("staff roster", "api")
    assert _signups_of(volunteer, position.mission) == (1 if by_staff else 0)
    if not by_staff:
        assert SAYS[door][Refusal.MISSION_CLOSED] in answer


def test_the_personal_page_shows_why_a_place_cannot_be_taken_before_anyone_clicks(
    app, client, case: Callable
):
    volunteer, position = case(Refusal.SHIFT_STARTED)
    page = client.get(path(volunteer, position.mission_id)).get_data(as_text=True)
    assert SAYS["personal page"][Refusal.SHIFT_STARTED] in page
    assert f"/take/{position.id}" not in page


def test_every_refusal_has_words_on_the_personal_page_and_in_sms():
    from coordinator.domain.conversation import SMS_REASONS
    from coordinator.domain.eligibility import Refusal
    from coordinator.web.personal import REFUSAL_TEXT

    assert set(REFUSAL_TEXT) == set(Refusal)
    # Closed, started and opted out share the SMS "not taking sign-ups" wording.
    assert set(SMS_REASONS) | {
        Refusal.MISSION_CLOSED,
        Refusal.SHIFT_STARTED,
        Refusal.OPTED_OUT,
    } == set(Refusal)

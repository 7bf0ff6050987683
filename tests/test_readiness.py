"""Readiness: minimum age, waivers and expiring qualifications hold in every door."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coordinator.domain import audience as audience_rules
from coordinator.domain import readiness, signups
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import Approval, Message, Signup, SignupSource, StaffRole
from coordinator.timeutil import now_utc
from tasks.readiness import send_readiness_reminders
from tests.support.api import (  # noqa: F401
    ApiCaller,
    api_as_fixture,
    coordinator_api_fixture,
)
from tests.support.conversation import invite_fixture, text_in_fixture  # noqa: F401
from tests.support.personal import path

SMS = SignupSource.SMS


@pytest.fixture
def closure(create_mission):
    """A farm closure in 3 days: handlers must be 18+ and have a waiver within 12 months."""
    mission = create_mission(code="F1", roles={"Handler": None}, capacity=3)
    role = mission.roles[0]
    role.min_age, role.requires_waiver = 18, True
    db.session.commit()
    readiness.publish_waiver("봉사 서약서 v1", "Volunteer waiver v1", staff_user_id=None)
    db.session.commit()
    return mission


def _years_ago(years: int, days: int = 0) -> date:
    today = date.today()
    return today.replace(year=today.year - years) - timedelta(days=days)


def test_a_17_year_old_cannot_be_a_handler_at_a_farm_closure(app, closure, create_volunteer):
    teen = create_volunteer("고등학생", birth_date=_years_ago(17))
    readiness.accept_waiver(teen)
    with pytest.raises(Conflict, match="aged 18 or older"):
        signups.sign_up(teen, closure.positions[0], source=SMS)
    unknown = create_volunteer("나이 모름")
    readiness.accept_waiver(unknown)
    with pytest.raises(Conflict, match="aged 18 or older"):
        signups.sign_up(unknown, closure.positions[0], source=SMS)
    adult = create_volunteer("어른", birth_date=_years_ago(30))
    readiness.accept_waiver(adult)
    assert signups.sign_up(adult, closure.positions[0], source=SMS).status == "confirmed"


def test_a_waiver_older_than_12_months_does_not_count_and_a_new_one_does(
    app, closure, create_volunteer
):
    adult = create_volunteer("어른", birth_date=_years_ago(30))
    readiness.accept_waiver(adult, now=now_utc() - timedelta(days=370))
    with pytest.raises(Conflict, match="waiver"):
        signups.sign_up(adult, closure.positions[0], source=SMS)
    readiness.accept_waiver(adult)
    assert signups.sign_up(adult, closure.positions[0], source=SMS).status == "confirmed"


def test_a_pending_sign_up_cannot_book(app, create_mission, create_volunteer):
    mission = create_mission(roles={"Helper": None})
    waiting = create_volunteer("대기", approval=Approval.PENDING)
    with pytest.raises(Conflict, match="approval"):
        signups.sign_up(waiting, mission.positions[0], source=SMS)


def test_an_expired_qualification_stops_counting_for_booking_and_the_audience(
    app, create_mission, create_volunteer, create_staff
):
    mission = create_mission(roles={"Vet": "vet"}, day=10)
    vet = create_volunteer("수의사", skills=())
    staff = create_staff(StaffRole.COORDINATOR)
    readiness.set_qualification(
        vet, "vet", expires_at=now_utc() + timedelta(days=5), verified_by=staff
    )
    db.session.commit()
    only_vets = audience_rules.Audience(skills=("vet",))
    assert audience_rules.count(mission, only_vets, now_utc())["total"] == 1
    # Valid today, expired by the shift in 10 days: no place.
    with pytest.raises(Conflict, match="needs the skill 'vet'"):
        signups.sign_up(vet, mission.positions[0], source=SMS)
    assert audience_rules.count(mission, only_vets, now_utc() + timedelta(days=6))["total"] == 0
    assert not vet.has_skill("vet", now_utc() + timedelta(days=6))


def test_the_sms_door_says_why_in_the_volunteers_language(
    app, closure, create_volunteer, invite, text_in
):
    teen = create_volunteer("고등학생", birth_date=_years_ago(16), phone="+821012120000")
    readiness.accept_waiver(teen)
    db.session.commit()
    invite(closure, teen)
    text_in(teen.phone, "F1 H")
    answer = db.session.scalars(
        select(Message.body)
        .where(Message.volunteer_id == teen.id, Message.direction == "out")
        .order_by(Message.id.desc())
    ).first()
    assert "만 18세 이상" in answer
    assert db.session.scalar(select(Signup.id)) is None


def test_the_personal_page_refuses_with_a_clear_sentence(
    app, client, closure, create_volunteer, csrf_token
):
    adult = create_volunteer("어른", birth_date=_years_ago(30), language="en")
    position = closure.positions[0]
    page = client.get(path(adult, closure.id, f"/take/{position.id}"))
    response = client.post(
        path(adult, closure.id, f"/take/{position.id}"), data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 409
    assert "waiver accepted within the last 12 months" in response.get_data(as_text=True)


def test_the_api_refuses_with_a_409_naming_the_age(app, closure, create_volunteer, coordinator_api):
    teen = create_volunteer("고등학생", birth_date=_years_ago(15))
    response = coordinator_api.post(
        f"/missions/{closure.id}/roster",
        {"volunteer_id": teen.id, "position_id": closure.positions[0].id},
    )
    assert response.status_code == 409
    assert "aged 18 or older" in str(response.get_json())


def test_volunteers_and_coordinators_are_told_before_a_qualification_expires(
    app, create_volunteer, create_staff
):
    staff = create_staff(StaffRole.COORDINATOR, phone="010-8888-7777", language="en")
    vet = create_volunteer("수의사", skills=())
    readiness.set_qualification(
        vet, "vet", expires_at=now_utc() + timedelta(days=20), verified_by=staff
    )
    far = create_volunteer("먼 미래", skills=())
    readiness.set_qualification(
        far, "vet", expires_at=now_utc() + timedelta(days=200), verified_by=staff
    )
    db.session.commit()
    assert send_readiness_reminders.run() == 1
    assert send_readiness_reminders.run() == 0  # once
    bodies = list(db.session.scalars(select(Message.body)))
    assert any("자격(vet)" in b for b in bodies)
    assert any("수의사: qualification vet" in b for b in bodies)


def test_a_volunteer_is_asked_to_renew_their_waiver_before_it_lapses(
    app, closure, create_volunteer
):
    old = create_volunteer("작년 서약")
    readiness.accept_waiver(old, now=now_utc() - timedelta(days=350))
    fresh = create_volunteer("올해 서약")
    readiness.accept_waiver(fresh)
    db.session.commit()
    assert send_readiness_reminders.run() == 1
    body = db.session.scalar(select(Message.body).where(Message.volunteer_id == old.id))
    assert "서약서" in body and "/v/" in body


def test_a_role_with_a_minimum_age_and_waiver_is_set_from_the_web_and_the_api(
    app, client, login, csrf_token, create_staff, create_mission, coordinator_api
):
    mission = create_mission(status="draft", roles={})
    login(create_staff(StaffRole.COORDINATOR))
    page = client.get(f"/missions/{mission.id}")
    response = client.post(
        f"/missions/{mission.id}/roles",
        data={
            "name": "Handler",
            "required_skill": "",
            "min_age": "18",
            "requires_waiver": "y",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    db.session.expire_all()
    role = mission.roles[0]
    assert (role.min_age, role.requires_waiver) == (18, True)
    assert "age 18+" in client.get(f"/missions/{mission.id}").get_data(as_text=True)
    response = coordinator_api.post(
        f"/missions/{mission.id}/roles", {"name": "Driver", "min_age": 21, "requires_waiver": True}
    )
    assert response.status_code == 201, response.json
    assert (response.json["min_age"], response.json["requires_waiver"]) == (21, True)

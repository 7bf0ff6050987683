"""The volunteer's personal page: what it shows, and every answer it takes."""

from datetime import timedelta

from flask import render_template_string
from sqlalchemy import func, select

from coordinator import links
from coordinator.extensions import db
from coordinator.models import (
    CallOut,
    Invitation,
    InvitationResponse,
    Signup,
    SignupSource,
    SignupStatus,
    StaffRole,
    Vehicle,
)
from coordinator.timeutil import now_utc
from tests.support.personal import path, snapshot


def _confirm_and_post(client, csrf_token, url: str, **data):
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def _post(client, csrf_token, volunteer, url: str, **data):
    page = client.get(path(volunteer))
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def _signups(volunteer) -> list[Signup]:
    db.session.expire_all()
    return list(db.session.scalars(select(Signup).where(Signup.volunteer_id == volunteer.id)))


def test_the_page_shows_the_area_and_keeps_a_confidential_address_until_confirmed(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(
        address="비밀 농장 주소 99", area="경기 남부", is_address_confidential=True
    )
    volunteer = create_volunteer()
    before = client.get(path(volunteer, mission.id)).get_data(as_text=True)
    assert "경기 남부" in before and "비밀 농장 주소 99" not in before

    url = path(volunteer, mission.id, f"/take/{mission.positions[0].id}")
    assert _confirm_and_post(client, csrf_token, url).status_code == 303

    after = client.get(path(volunteer, mission.id)).get_data(as_text=True)
    assert "비밀 농장 주소 99" in after and "수원역 4번 출구" in after


def test_the_page_offers_only_places_the_volunteer_is_qualified_for(
    app, client, create_mission, create_volunteer
):
    mission = create_mission(roles={"Handler": "handler", "Vet": "vet"}, capacity=3)
    volunteer = create_volunteer(skills=["handler"], language="en")
    volunteer.set_skills(["handler", "vet"], is_verified=False)  # vet claimed, not reviewed
    db.session.commit()
    html = client.get(path(volunteer, mission.id)).get_data(as_text=True)
    assert "Handler" in html and "Vet" not in html
    assert "3 of 3 left" in html


def test_a_tap_shows_a_confirm_step_and_only_the_second_tap_books(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer(language="en")
    url = path(volunteer, mission.id, f"/take/{mission.positions[0].id}")
    confirm = client.get(url)
    assert "Yes, I take this place" in confirm.get_data(as_text=True)
    assert _signups(volunteer) == []

    client.post(url, data={"csrf_token": csrf_token(confirm)})
    [signup] = _signups(volunteer)
    assert (signup.status, signup.source) == (SignupStatus.CONFIRMED, SignupSource.WEB)


def test_a_full_place_puts_the_volunteer_on_the_waitlist(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(capacity=1)
    position = mission.positions[0]
    first, second = create_volunteer("첫째"), create_volunteer("둘째", language="en")
    _confirm_and_post(client, csrf_token, path(first, mission.id, f"/take/{position.id}"))
    url = path(second, mission.id, f"/take/{position.id}")
    assert "Join the waitlist" in client.get(path(second, mission.id)).get_data(as_text=True)
    _confirm_and_post(client, csrf_token, url)
    assert [s.status for s in _signups(second)] == [SignupStatus.WAITLISTED]


def test_taking_a_place_with_a_van_offer_puts_the_van_on_the_mission(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(roles={"Driver": None})
    volunteer = create_volunteer()
    url = path(volunteer, mission.id, f"/take/{mission.positions[0].id}")
    _confirm_and_post(client, csrf_token, url, kind="van", seats="2", crates="4")
    [signup] = _signups(volunteer)
    assert (signup.vehicle.kind, signup.vehicle.seats, signup.vehicle.crate_slots) == ("van", 2, 4)
    assert signup.vehicle.mission_id == mission.id and signup.vehicle.driver_id == volunteer.id


def test_a_vehicle_can_be_offered_later_for_a_place_already_held(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer()
    _confirm_and_post(
        client, csrf_token, path(volunteer, mission.id, f"/take/{mission.positions[0].id}")
    )
    [signup] = _signups(volunteer)
    url = path(volunteer, mission.id, f"/vehicle/{signup.id}")
    assert (
        _confirm_and_post(client, csrf_token, url, kind="car", seats="3", crates="1").status_code
        == 303
    )
    assert (
        db.session.scalar(select(Vehicle).where(Vehicle.offered_by_id == volunteer.id)).seats == 3
    )


def test_a_vehicle_with_impossible_numbers_is_refused_without_a_change(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer()
    url = path(volunteer, mission.id, f"/take/{mission.positions[0].id}")
    response = _confirm_and_post(client, csrf_token, url, kind="van", seats="-1", crates="lots")
    assert response.status_code == 400
    assert _signups(volunteer) == []


def test_cancelling_needs_a_confirm_step_and_offers_the_place_to_the_first_waitlisted(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(capacity=1, day=5)
    position = mission.positions[0]
    holder, first, later = (create_volunteer(n) for n in ("자리", "첫 대기", "둘째 대기"))
    holder.language = "en"  # the page read below is the holder's
    for person in (holder, first, later):
        _confirm_and_post(client, csrf_token, path(person, mission.id, f"/take/{position.id}"))
    [held] = _signups(holder)

    url = path(holder, mission.id, f"/cancel/{held.id}")
    assert "Yes, cancel my place" in client.get(url).get_data(as_text=True)
    assert _signups(holder)[0].status == SignupStatus.CONFIRMED
    _confirm_and_post(client, csrf_token, url)

    assert _signups(holder)[0].status == SignupStatus.CANCELLED
    assert _signups(first)[0].status == SignupStatus.OFFERED
    assert _signups(later)[0].status == SignupStatus.WAITLISTED


def test_a_held_place_is_confirmed_with_one_tap(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(capacity=1, day=5)
    position = mission.positions[0]
    holder, waiting = create_volunteer("자리"), create_volunteer("대기", language="en")
    for person in (holder, waiting):
        _confirm_and_post(client, csrf_token, path(person, mission.id, f"/take/{position.id}"))
    _confirm_and_post(
        client, csrf_token, path(holder, mission.id, f"/cancel/{_signups(holder)[0].id}")
    )
    [offered] = _signups(waiting)
    page = client.get(path(waiting, mission.id)).get_data(as_text=True)
    assert "Yes, I take it" in page
    _post(client, csrf_token, waiting, path(waiting, mission.id, f"/accept/{offered.id}"))
    assert _signups(waiting)[0].status == SignupStatus.CONFIRMED


def _callout(mission) -> CallOut:
    callout = CallOut(mission_id=mission.id, status="sending")
    db.session.add(callout)
    db.session.commit()
    return callout


def _responses(volunteer) -> list[str | None]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Invitation.response).where(Invitation.volunteer_id == volunteer.id)
        )
    )


def test_not_this_time_marks_the_invitation_declined_so_later_waves_skip_them(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer(language="en")
    callout = _callout(mission)
    db.session.add(
        Invitation(callout_id=callout.id, mission_id=mission.id, volunteer_id=volunteer.id)
    )
    db.session.commit()
    response = _post(
        client, csrf_token, volunteer, path(volunteer, mission.id, f"/decline/{mission.id}")
    )
    assert response.status_code == 303
    assert _responses(volunteer) == [InvitationResponse.DECLINED]
    assert "not ask you again" in client.get(path(volunteer, mission.id)).get_data(as_text=True)


def test_not_this_time_without_an_invitation_is_recorded_on_the_latest_callout(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer()
    _callout(mission)
    latest = _callout(mission)
    _post(client, csrf_token, volunteer, path(volunteer, mission.id, f"/decline/{mission.id}"))
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.volunteer_id == volunteer.id)
    )
    assert (invitation.callout_id, invitation.response) == (latest.id, InvitationResponse.DECLINED)


def test_not_this_time_without_any_callout_is_confirmed_and_records_nothing(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer()
    response = _post(
        client, csrf_token, volunteer, path(volunteer, mission.id, f"/decline/{mission.id}")
    )
    assert response.status_code == 303
    assert _responses(volunteer) == []


def test_not_this_time_is_refused_while_the_volunteer_holds_a_place(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer(language="en")
    _confirm_and_post(
        client, csrf_token, path(volunteer, mission.id, f"/take/{mission.positions[0].id}")
    )
    response = _post(
        client, csrf_token, volunteer, path(volunteer, mission.id, f"/decline/{mission.id}")
    )
    assert response.status_code == 409
    assert "cancel it instead" in response.get_data(as_text=True)


def test_the_profile_saves_language_vehicle_and_claimed_skills_for_review(
    app, client, csrf_token, create_volunteer
):
    volunteer = create_volunteer(skills=["handler"])
    response = _confirm_and_post(
        client,
        csrf_token,
        path(volunteer, suffix="/profile"),
        language="en",
        skills=["handler", "vet"],
        vehicle_kind="van",
        vehicle_seats="5",
        vehicle_crates="6",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert volunteer.language == "en"
    assert (volunteer.vehicle_kind, volunteer.vehicle_seats, volunteer.vehicle_crates) == (
        "van",
        5,
        6,
    )
    review = {s.skill: s.is_verified for s in volunteer.skills}
    assert review == {"handler": True, "vet": False}
    assert not volunteer.has_skill("vet")


def test_a_profile_with_an_unknown_skill_is_refused_and_nothing_changes(
    app, client, csrf_token, create_volunteer
):
    volunteer = create_volunteer(skills=["handler"])
    before = snapshot()
    response = _confirm_and_post(
        client, csrf_token, path(volunteer, suffix="/profile"), language="en", skills=["astronaut"]
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_call_outs_pause_until_a_chosen_day_and_resume(app, client, csrf_token, create_volunteer):
    volunteer = create_volunteer(language="en")
    day = (now_utc() + timedelta(days=10)).date()
    _post(
        client, csrf_token, volunteer, path(volunteer, suffix="/pause"), resume_on=day.isoformat()
    )
    db.session.expire_all()
    assert volunteer.paused_until > now_utc() + timedelta(days=8)
    assert "paused until" in client.get(path(volunteer)).get_data(as_text=True)
    _post(client, csrf_token, volunteer, path(volunteer, suffix="/resume"))
    db.session.expire_all()
    assert volunteer.paused_until is None


def test_a_pause_in_the_past_is_refused(app, client, csrf_token, create_volunteer):
    volunteer = create_volunteer()
    response = _post(
        client, csrf_token, volunteer, path(volunteer, suffix="/pause"), resume_on="2020-01-01"
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert volunteer.paused_until is None


def test_opting_out_stops_messages_and_can_be_undone(app, client, csrf_token, create_volunteer):
    volunteer = create_volunteer()
    _post(client, csrf_token, volunteer, path(volunteer, suffix="/opt-out"))
    db.session.expire_all()
    assert volunteer.is_opted_out
    _post(client, csrf_token, volunteer, path(volunteer, suffix="/opt-in"))
    db.session.expire_all()
    assert not volunteer.is_opted_out


def test_the_page_follows_the_volunteers_language_and_can_switch(app, client, create_volunteer):
    volunteer = create_volunteer(language="en")
    assert '<html lang="en">' in client.get(path(volunteer)).get_data(as_text=True)
    switched = client.get(path(volunteer) + "?lang=ko").get_data(as_text=True)
    assert '<html lang="ko">' in switched
    db.session.expire_all()
    assert volunteer.language == "en"  # switching the display does not change their SMS


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
    app, client, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer()
    before = snapshot()
    response = client.post(path(volunteer, mission.id, f"/take/{mission.positions[0].id}"))
    assert response.status_code == 400
    assert snapshot() == before


def test_a_get_of_every_volunteer_url_changes_nothing(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(capacity=1, day=5)
    callout = _callout(mission)
    holder, waiting = create_volunteer("자리"), create_volunteer("대기")
    position = mission.positions[0]
    for person in (holder, waiting):
        db.session.add(
            Invitation(callout_id=callout.id, mission_id=mission.id, volunteer_id=person.id)
        )
        _confirm_and_post(client, csrf_token, path(person, mission.id, f"/take/{position.id}"))
    [held] = _signups(holder)
    rule_urls = [
        "",
        f"/take/{position.id}",
        f"/cancel/{held.id}",
        f"/accept/{held.id}",
        f"/vehicle/{held.id}",
        f"/check-in/{held.id}",
        f"/decline/{mission.id}",
        "/profile",
        "/pause",
        "/resume",
        "/opt-out",
        "/opt-in",
        "?lang=en",
    ]
    before = snapshot()
    for suffix in rule_urls:
        response = client.get(path(holder, mission.id, suffix))
        assert response.status_code in (200, 405), (suffix, response.status_code)
    client.get(f"/ical/{links.make_calendar_token(holder)}.ics")
    assert snapshot() == before


def test_every_volunteer_route_is_covered_by_the_get_test(app):
    tested = {
        "page",
        "take",
        "cancel",
        "accept",
        "vehicle",
        "check_in",
        "decline",
        "profile",
        "pause",
        "resume",
        "opt_out",
        "opt_in",
        "calendar",
        "revoke",
    }
    routes = {
        rule.endpoint.split(".", 1)[1]
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("personal.")
    }
    assert routes == tested


def test_a_coordinator_revokes_a_volunteers_links(
    app, client, login, create_staff, create_volunteer
):
    volunteer = create_volunteer()
    old_link = path(volunteer)
    login(create_staff(StaffRole.COORDINATOR))
    page = client.get("/")
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post(
        f"/staff/volunteers/{volunteer.id}/revoke-links",
        data={"csrf_token": token, "next": "/volunteers/1"},
    )
    assert response.status_code == 303 and response.location.endswith("/volunteers/1")
    assert client.get(old_link).status_code == 410
    assert client.get(path(volunteer)).status_code == 200


def test_a_team_lead_cannot_revoke_links(app, client, login, create_staff, create_volunteer):
    volunteer = create_volunteer()
    login(create_staff(StaffRole.TEAM_LEAD))
    page = client.get("/")
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post(
        f"/staff/volunteers/{volunteer.id}/revoke-links", data={"csrf_token": token}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert volunteer.link_version == 0


def test_revoking_links_needs_a_staff_login(app, client, create_volunteer):
    volunteer = create_volunteer()
    response = client.post(f"/staff/volunteers/{volunteer.id}/revoke-links")
    assert response.status_code in (302, 400)
    db.session.expire_all()
    assert volunteer.link_version == 0


def test_the_staff_partial_is_a_revoke_form_with_csrf(app, create_volunteer):
    volunteer = create_volunteer()
    with app.test_request_context("/volunteers/1"):
        html = render_template_string(
            '{% include "personal/_staff_link_tools.html" %}', volunteer=volunteer
        )
    assert f'action="/staff/volunteers/{volunteer.id}/revoke-links"' in html
    assert 'name="csrf_token"' in html and 'method="post"' in html


def test_a_closed_mission_takes_no_answers_but_says_so(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(status="done")
    volunteer = create_volunteer(language="en")
    assert "not taking answers" in client.get(path(volunteer, mission.id)).get_data(as_text=True)
    response = _post(
        client,
        csrf_token,
        volunteer,
        path(volunteer, mission.id, f"/take/{mission.positions[0].id}"),
    )
    assert response.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Signup)) == 0


def test_on_mission_day_the_volunteer_checks_in_from_the_page(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer(language="en")
    _confirm_and_post(  # booked while the shift was still ahead
        client, csrf_token, path(volunteer, mission.id, f"/take/{mission.positions[0].id}")
    )
    shift = mission.shifts[0]
    shift.starts_at, shift.ends_at = (
        now_utc() - timedelta(minutes=10),
        now_utc() + timedelta(hours=3),
    )
    mission.starts_at, mission.ends_at = shift.starts_at, shift.ends_at
    db.session.commit()
    [signup] = _signups(volunteer)
    assert "check in" in client.get(path(volunteer, mission.id)).get_data(as_text=True)
    response = _post(
        client, csrf_token, volunteer, path(volunteer, mission.id, f"/check-in/{signup.id}")
    )
    assert response.status_code == 303
    [signup] = _signups(volunteer)
    assert signup.attendance is not None and signup.attendance.checked_in_at is not None


def test_check_in_is_not_offered_days_before_the_shift(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(day=3)
    volunteer = create_volunteer(language="en")
    _confirm_and_post(
        client, csrf_token, path(volunteer, mission.id, f"/take/{mission.positions[0].id}")
    )
    [signup] = _signups(volunteer)
    assert "check in" not in client.get(path(volunteer, mission.id)).get_data(as_text=True)
    response = _post(
        client, csrf_token, volunteer, path(volunteer, mission.id, f"/check-in/{signup.id}")
    )
    assert response.status_code == 409
    assert _signups(volunteer)[0].attendance is None

"""A Korean call-out in one SMS: short link, terse template, preview per route in won."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coordinator import links
from coordinator.domain import audience as audiences
from coordinator.domain import callouts
from coordinator.extensions import db
from coordinator.models import Message, ShortLink, StaffRole
from coordinator.sms import korean
from coordinator.timeutil import now_utc
from tests.conftest import local_time
from tests.support.callouts import twilio_settings
from tests.support.solapi import solapi_settings

EVERYONE = audiences.Audience()
BASE_25 = "https://rescue.example.kr"  # 25 characters, a typical organisation domain
ROUTED = {**twilio_settings("http://127.0.0.1:9"), **solapi_settings("http://127.0.0.1:9")}


def longest_date_mission(create_mission, **fields):
    """A mission on a day and month of two digits each: the longest date the SMS can carry."""
    day = 3
    while not (local_time(day, 7).month >= 10 and local_time(day, 7).day >= 10):
        day += 1
    return create_mission(
        roles={"핸들러": None}, capacity=6, area="마포", code="B12", day=day, **fields
    )


@pytest.mark.app_config(PUBLIC_BASE_URL=BASE_25, **ROUTED)
def test_a_call_out_with_one_role_a_short_area_and_no_note_fits_one_korean_sms(
    app, create_mission, create_volunteer
):
    assert len(BASE_25) == 25
    mission = longest_date_mission(create_mission)
    volunteer = create_volunteer(phone="+821012345678")
    callout = callouts.create_callout(mission, audience=EVERYONE, is_urgent=True, now=now_utc())
    db.session.commit()
    callouts.run_wave(callout, now_utc())
    db.session.commit()

    message = db.session.scalars(select(Message).where(Message.volunteer_id == volunteer.id)).one()
    assert korean.byte_size(message.body) <= 90, message.body
    assert (message.route, message.message_type) == ("solapi", "SMS")
    assert message.body.splitlines()[0].startswith("[구조 B12] ")
    link = message.body.splitlines()[-1]
    assert link.startswith(BASE_25 + "/v/") and len(link) == 36
    target = links.read_token(link.rsplit("/", 1)[1])
    assert (target.volunteer.id, target.mission_id) == (volunteer.id, mission.id)


@pytest.mark.app_config(PUBLIC_BASE_URL=BASE_25, **ROUTED)
def test_the_preview_says_sms_bytes_and_won_for_korean_numbers_and_segments_for_foreign_ones(
    app, create_mission, create_volunteer
):
    mission = longest_date_mission(create_mission)
    for i in range(3):
        create_volunteer(f"k{i}", phone=f"+8210555000{i:02d}")
    create_volunteer("Alex", phone="+447700900123")  # a Korean speaker abroad

    ko, en = callouts.preview(mission, EVERYONE, "", now_utc())

    by_route = {r.route: r for r in ko.routes}
    assert set(by_route) == {"solapi", "twilio"}
    domestic, abroad = by_route["solapi"], by_route["twilio"]
    assert (domestic.message_type, domestic.unit, domestic.recipients) == ("SMS", "bytes", 3)
    assert domestic.size == korean.byte_size(ko.text) <= 90
    assert domestic.cost == 3 * 20  # ₩20 an SMS
    assert (abroad.message_type, abroad.unit, abroad.recipients) == ("SMS", "segments", 1)
    assert abroad.cost == ko.segments * 75  # ₩75 a segment
    assert ko.cost == domestic.cost + abroad.cost and ko.recipients == 4
    assert en.recipients == 0


@pytest.mark.app_config(PUBLIC_BASE_URL=BASE_25, **ROUTED)
def test_a_note_makes_it_an_lms_and_characters_the_route_cannot_carry_are_named(
    app, create_mission, create_volunteer
):
    mission = longest_date_mission(create_mission)
    create_volunteer(phone="+821055500001")

    ko, _en = callouts.preview(mission, EVERYONE, "장화와 장갑을 꼭 챙겨 주세요 🐶", now_utc())

    [domestic] = ko.routes
    assert (domestic.message_type, domestic.cost) == ("LMS", 50)
    assert domestic.size > 90
    assert ko.unsendable == ("🐶",)


@pytest.mark.app_config(PUBLIC_BASE_URL=BASE_25, **ROUTED)
def test_the_call_out_page_shows_type_size_and_cost_in_won_in_korean(
    app, client, login, create_staff, create_mission, create_volunteer
):
    mission = longest_date_mission(create_mission)
    create_volunteer(phone="+821055500001")
    login(create_staff(StaffRole.COORDINATOR))

    html = client.get(
        f"/missions/{mission.id}/callouts/new", headers={"Accept-Language": "ko"}
    ).get_data(as_text=True)

    assert "솔라피(국내 발신)" in html and "₩20" in html
    assert "바이트" in html and "$" not in html
    data = client.get(
        f"/missions/{mission.id}/callouts/preview.json?note=", headers={"Accept-Language": "ko"}
    ).get_json()
    [ko_route] = data["previews"][0]["routes"]
    assert (ko_route["route"], ko_route["type"], ko_route["cost"]) == ("solapi", "SMS", "₩20")
    assert "₩20" in data["previews"][0]["routes_html"]


# -- short links --------------------------------------------------------------------------


def make_short(volunteer, mission_id=None):
    url = links.short_urls([(volunteer, mission_id)])[0]
    db.session.commit()
    return url.rsplit("/", 1)[1]


def test_a_short_link_is_48_random_bits_stored_with_its_volunteer(app, create_volunteer):
    volunteer = create_volunteer()
    tokens = {make_short(volunteer) for _ in range(50)}

    assert len(tokens) == 50 and all(links.SHORT_TOKEN.match(t) for t in tokens)
    assert all(len(t) * 6 >= 48 for t in tokens)
    assert db.session.get(ShortLink, tokens.pop()).volunteer_id == volunteer.id


def test_a_short_link_expires_like_a_signed_one(app, create_volunteer):
    token = make_short(create_volunteer())
    link = db.session.get(ShortLink, token)
    link.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()

    with pytest.raises(links.LinkError, match="expired"):
        links.read_token(token)


def test_revoking_a_volunteers_links_kills_their_short_links(app, create_volunteer):
    volunteer = create_volunteer()
    token = make_short(volunteer)
    links.revoke_links(volunteer)
    db.session.commit()

    with pytest.raises(links.LinkError, match="revoked"):
        links.read_token(token)


@pytest.mark.parametrize("token", ["AAAAAAAA", "abc-_123", "zzzzzzzz"])
def test_a_guessed_short_link_opens_nothing(app, create_volunteer, token):
    make_short(create_volunteer())
    with pytest.raises(links.LinkError, match="invalid"):
        links.read_token(token)


def test_a_short_link_opens_the_volunteers_own_page_and_a_guess_does_not(
    app, client, create_volunteer, create_mission
):
    mission = create_mission()
    volunteer = create_volunteer("박서연")
    token = make_short(volunteer, mission.id)

    page = client.get(f"/v/{token}")
    assert page.status_code == 200 and "박서연" in page.get_data(as_text=True)
    guessed = client.get("/v/AAAAAAAA")
    assert guessed.status_code in (403, 404, 410) and "박서연" not in guessed.get_data(as_text=True)


# -- where delivery is shown ----------------------------------------------------------------


@pytest.mark.app_config(PUBLIC_BASE_URL=BASE_25, **ROUTED)
def test_the_simulator_and_the_failures_list_show_the_route_and_type_in_the_readers_words(
    app, client, login, create_staff, create_mission, create_volunteer
):
    mission = longest_date_mission(create_mission)
    volunteer = create_volunteer(phone="+821012345678")
    callout = callouts.create_callout(mission, audience=EVERYONE, is_urgent=True, now=now_utc())
    db.session.commit()
    callouts.run_wave(callout, now_utc())
    message = db.session.scalars(select(Message).where(Message.volunteer_id == volunteer.id)).one()
    message.status, message.error_code, message.provider_sid = "failed", 3059, "M4VABC"
    db.session.commit()
    login(create_staff(StaffRole.COORDINATOR))

    thread = client.get(
        f"/simulator/{volunteer.id}/thread", headers={"Accept-Language": "ko"}
    ).get_data(as_text=True)
    failures = client.get(f"/callouts/{callout.id}", headers={"Accept-Language": "ko"}).get_data(
        as_text=True
    )

    for html in (thread, failures):
        assert "솔라피(국내 발신) · 단문 문자(SMS)" in html and "M4VABC" in html
    assert "실패" in thread and ">failed<" not in thread


def test_the_coordinator_is_told_why_only_urgent_call_outs_break_quiet_hours(
    app, client, login, create_staff, create_mission
):
    mission = create_mission()
    login(create_staff(StaffRole.COORDINATOR))

    html = client.get(
        f"/missions/{mission.id}/callouts/new", headers={"Accept-Language": "ko"}
    ).get_data(as_text=True)

    assert "21:00-08:00" in html and "정보통신망법 제50조" in html

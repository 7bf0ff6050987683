"""Mission day on a phone, in Korean and English: recording animals with gloves on, and a
volunteer's directions and "on my way". Screenshots are kept in test-artifacts/."""

from datetime import timedelta

import pytest

from coordinator.extensions import db
from coordinator.links import make_token
from coordinator.models import Animal
from coordinator.timeutil import now_utc
from tests.support.mission_day import mission_day_fixture  # noqa: F401
from tests.support.personal import live_server
from tests.test_browser_attendance import ARTIFACTS, PHONE, browser, log_in  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["ko-KR", "en-GB"])
def test_a_team_lead_records_three_dogs_on_a_phone(app, browser, mission_day, locale):  # noqa: F811
    day = mission_day(day=0, vehicles=[("승합차 1", 3, 2)])
    day.lead.language = locale[:2]
    db.session.commit()
    van = day.mission.vehicles[0]
    with live_server(app) as base:
        context = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True)
        phone = context.new_page()
        log_in(phone, base, day.lead.email)
        phone.goto(f"{base}/day/missions/{day.mission.id}/animals")
        for n in range(3):
            if n == 0:
                phone.select_option("#animal-vehicle", str(van.id))
                phone.locator("label.condition-injured").click()
            phone.fill("#animal-crate", str(n + 1))
            phone.click("form.animal-form button[type=submit]")
            phone.wait_for_load_state()
        text = phone.locator("main").inner_text()
        # The third dog found the van full (2 crate slots) and was refused, what was typed kept.
        assert phone.locator(".flash-error").count() == 1
        assert phone.input_value("#animal-crate") == "3"
        # Big targets for gloved hands.
        box = phone.locator("form.animal-form button[type=submit]").bounding_box()
        assert box["height"] >= 44
        for raw in ("injured", "age_unknown", "needs_carrying", "walking"):
            assert raw not in text
        if locale.startswith("ko"):
            assert "빈 이동장 자리가 없습니다" in text and "Injured" not in text
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / f"animals-phone-{locale}.png"), full_page=True)
        context.close()
    db.session.expire_all()
    recorded = db.session.query(Animal).order_by(Animal.id).all()
    assert [(a.crate, a.condition, a.vehicle_id) for a in recorded] == [
        ("1", "injured", van.id),
        ("2", "injured", van.id),
    ]


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_a_volunteer_gets_directions_and_says_on_my_way_on_a_phone(
    app,
    browser,  # noqa: F811 - the fixture imported above
    mission_day,
    locale,
):
    day = mission_day(day=1, language=locale)
    shift = day.mission.shifts[0]
    shift.starts_at = now_utc() + timedelta(minutes=50)
    shift.ends_at = shift.starts_at + timedelta(hours=4)
    day.mission.starts_at, day.mission.ends_at = shift.starts_at, shift.ends_at
    day.mission.meeting_lat, day.mission.meeting_lng = 37.26634, 127.00072
    day.mission.parking_notes = "승합차는 4번 출구 앞"
    db.session.commit()
    signup = day.signups[0]
    with live_server(app) as base:
        context = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True)
        phone = context.new_page()
        phone.goto(f"{base}/v/{make_token(signup.volunteer)}")
        kakao = phone.locator("a[href^='https://map.kakao.com/link/to/']").first
        assert kakao.bounding_box()["height"] >= 44
        phone.select_option(f"#travel-minutes-{signup.id}", "30")
        phone.click("button[name=status][value=on_the_way]")
        phone.wait_for_load_state()
        assert phone.locator(".vp-travel-said").count() == 1
        phone.screenshot(path=str(ARTIFACTS / f"on-my-way-phone-{locale}.png"), full_page=True)
        context.close()
    db.session.expire_all()
    db.session.refresh(signup)
    assert signup.travel_status == "on_the_way"

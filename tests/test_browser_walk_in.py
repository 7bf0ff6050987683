"""The walk-in form in Debian's Chromium at a phone's size, in Korean and English: a team
lead is not told whose a number is; a coordinator is asked, with what they typed kept.
Screenshots are kept in test-artifacts/."""

import pytest

from coordinator.extensions import db
from coordinator.models import Signup, SignupStatus, StaffRole
from tests.support.mission_day import mission_day_fixture  # noqa: F401
from tests.support.personal import live_server
from tests.test_browser_attendance import ARTIFACTS, PHONE, browser, log_in  # noqa: F401

pytestmark = pytest.mark.browser


def add_walk_in(page, name: str, phone: str) -> None:
    page.fill("#walk-name", name)
    page.fill("#walk-phone", phone)
    page.locator("#walk-in button.primary.tap").first.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
def test_the_walk_in_form_on_a_phone_names_the_owner_only_to_a_coordinator(
    app,
    browser,  # noqa: F811 - the fixture imported above
    mission_day,
    create_volunteer,
    create_staff,
    locale,
):
    day = mission_day(capacity=5, day=0)
    known = create_volunteer("한지민", phone="+821055556666")
    coordinator = create_staff(StaffRole.COORDINATOR)
    url = f"/day/missions/{day.mission.id}/shifts/{day.mission.shifts[0].id}"
    lang = locale[:2]
    with live_server(app) as base:
        lead = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True).new_page()
        log_in(lead, base, day.lead.email)
        lead.goto(base + url)
        add_walk_in(lead, "아무개", "010-5555-6666")
        lead.locator(".flash-info").scroll_into_view_if_needed()
        assert "한지민" not in lead.content()
        assert lead.locator(".flash-info").count() == 1
        lead.screenshot(path=str(ARTIFACTS / f"walk-in-lead-{lang}-390.png"))

        desk = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True).new_page()
        log_in(desk, base, coordinator.email)
        desk.goto(base + url)
        add_walk_in(desk, "아무개", "010-5555-6666")
        confirm = desk.locator("button[name=confirm_volunteer_id]")
        assert "한지민" in confirm.inner_text()
        assert desk.input_value("#walk-name") == "아무개"
        assert desk.input_value("#walk-phone") == "010-5555-6666"
        confirm.scroll_into_view_if_needed()
        desk.screenshot(path=str(ARTIFACTS / f"walk-in-coordinator-ask-{lang}-390.png"))
        confirm.click()
        desk.wait_for_load_state()
        assert desk.locator("li:has-text('한지민')").count() >= 1
        desk.screenshot(path=str(ARTIFACTS / f"walk-in-coordinator-done-{lang}-390.png"))

    db.session.expire_all()
    [signup] = db.session.query(Signup).filter_by(volunteer_id=known.id).all()
    assert signup.status == SignupStatus.CONFIRMED and signup.attendance is not None

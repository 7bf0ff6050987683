"""The call-out preview in Chromium, in Korean and English, on a laptop and on a phone: each
language's route, type, size and cost in won, updated as the coordinator types a note."""

import pytest

from coordinator.models import StaffRole
from tests.conftest import PASSWORD
from tests.support.callouts import twilio_settings
from tests.support.personal import live_server
from tests.support.solapi import solapi_settings
from tests.test_browser_coordinator import ARTIFACTS, VIEWPORTS, browser  # noqa: F401

pytestmark = pytest.mark.browser

ROUTED = {
    **twilio_settings("http://127.0.0.1:9"),
    **solapi_settings("http://127.0.0.1:9"),
    "PUBLIC_BASE_URL": "https://rescue.example.kr",
}


@pytest.mark.app_config(**ROUTED)
@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
@pytest.mark.parametrize("viewport", ["laptop", "phone"])
def test_the_preview_shows_each_routes_type_size_and_cost_and_follows_the_note(
    app,
    browser,  # noqa: F811 - the fixture imported above
    create_staff,
    create_mission,
    create_volunteer,
    locale,
    viewport,
):
    user = create_staff(StaffRole.COORDINATOR, name="이코디")
    mission = create_mission(roles={"핸들러": None}, capacity=6, area="마포")
    for i in range(3):
        create_volunteer(f"k{i}", phone=f"+8210555000{i:02d}")
    create_volunteer("Alex", phone="+447700900123", language="en")
    ARTIFACTS.mkdir(exist_ok=True)
    size, mobile = VIEWPORTS[viewport]
    with live_server(app) as base:
        context = browser.new_context(viewport=size, is_mobile=mobile, locale=locale)
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=email]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/missions/{mission.id}/callouts/new")

        korean = page.locator('.sms-preview[data-language="ko"] [data-route="solapi"]')
        assert "₩60" in korean.inner_text()  # three SMS at ₩20
        assert korean.get_attribute("data-type") == "SMS"
        page.fill("textarea[name=note], input[name=note]", "장화와 장갑을 꼭 챙겨 주세요 🐶")
        page.locator(
            '.sms-preview[data-language="ko"] [data-route="solapi"][data-type="LMS"]'
        ).wait_for(timeout=15000)
        assert "₩150" in korean.inner_text()  # three LMS at ₩50
        assert "🐶" in page.locator('.sms-preview[data-language="ko"] .warning').inner_text()
        # The English reader's number is abroad: Twilio carries the emoji, no warning there.
        assert page.locator('.sms-preview[data-language="en"] .warning').count() == 0
        page.screenshot(
            path=str(ARTIFACTS / f"callout-preview-{locale}-{viewport}.png"), full_page=True
        )
        context.close()

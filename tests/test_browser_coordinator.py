"""The coordinator's day in Debian's Chromium, on a laptop and on a phone: plan a mission, import
volunteers, and watch the roster fill by itself. Screenshots are kept in test-artifacts/."""

from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import Mission, MissionStatus, Position, SignupSource, StaffRole, Volunteer
from tests.conftest import PASSWORD
from tests.support import services
from tests.support.personal import live_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORTS = {
    "laptop": ({"width": 1280, "height": 800}, False),
    "phone": ({"width": 390, "height": 844}, True),
}


@pytest.fixture
def browser():
    services.need("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=services.CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _plan_mission(page, base: str) -> None:
    page.goto(f"{base}/missions/new")
    page.fill("input[name=title]", "개농장 폐쇄 구조")
    page.select_option("select[name=kind]", "farm_closure")
    page.fill("input[name=starts_at]", "2030-06-01T07:00")
    page.fill("input[name=ends_at]", "2030-06-01T18:00")
    page.fill("input[name=meeting_point]", "수원역 4번 출구")
    page.fill("input[name='animals-0-species']", "dog")
    page.fill("input[name='animals-0-count']", "30")
    page.click("form.form-wide button[type=submit]")
    page.wait_for_selector("text=역할 추가")
    for name, skill in (("핸들러 Handler", "handler"), ("운전 Driver", "driver")):
        page.fill("form[action*='/roles#'] input[name=name]", name)
        page.select_option("form[action*='/roles#'] select[name=required_skill]", skill)
        page.click("form[action*='/roles#'] button[type=submit]")
        page.wait_for_selector(f"th:has-text('{name}')")
    for name, start, end in (("오전", "07:00", "12:00"), ("오후", "12:00", "18:00")):
        page.fill("form[action*='/shifts#'] input[name=name]", name)
        page.fill("form[action*='/shifts#'] input[name=starts_at]", f"2030-06-01T{start}")
        page.fill("form[action*='/shifts#'] input[name=ends_at]", f"2030-06-01T{end}")
        page.click("form[action*='/shifts#'] button[type=submit]")
        page.wait_for_selector(f"th:has-text('{name}')")
    for box in page.locator("input[name^=cap-]").all():
        box.fill("2")
    with page.expect_navigation():
        page.click("button:has-text('정원 저장')")
    assert page.locator("input[name^=cap-]").first.input_value() == "2"
    with page.expect_navigation():
        page.click("button:has-text('신청 받기 시작')")
    page.screenshot(path=str(ARTIFACTS / "coordinator-mission-laptop.png"), full_page=True)
    page.wait_for_selector(".page-head .status-recruiting")


def _import_volunteers(page, base: str) -> None:
    page.goto(f"{base}/volunteers/import")
    page.set_input_files("input[type=file]", str(ROOT / "samples" / "volunteers.csv"))
    page.click("button:has-text('미리 보기')")
    page.wait_for_selector("text=가져올 수 있는 행 8개")
    page.click("button:has-text('봉사자 8명 가져오기')")
    page.wait_for_selector("text=봉사자 8명을 가져왔습니다")


def test_a_coordinator_plans_imports_and_watches_the_roster_fill(app, browser, create_staff):
    user = create_staff(StaffRole.COORDINATOR, name="이코디")
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base:
        context = browser.new_context(viewport=VIEWPORTS["laptop"][0], locale="ko-KR")
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=email]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form:has(input[name=password]) button[type=submit]")
        page.wait_for_url(f"{base}/")
        _plan_mission(page, base)
        _import_volunteers(page, base)

        db.session.expire_all()
        mission = db.session.scalar(select(Mission))
        assert mission.status == MissionStatus.RECRUITING and len(mission.positions) == 4
        page.goto(f"{base}/missions/{mission.id}/roster")
        page.evaluate("window.notReloaded = true")
        assert page.locator("#roster").inner_text().count("김민준") == 0

        kim = db.session.scalar(select(Volunteer).where(Volunteer.name == "김민준"))
        handler_am = db.session.scalar(
            select(Position).where(Position.mission_id == mission.id).order_by(Position.id)
        )
        signups.sign_up(kim, handler_am, source=SignupSource.SMS)
        db.session.commit()
        page.locator("#roster >> text=김민준").wait_for(timeout=15_000)
        assert page.evaluate("window.notReloaded") is True  # it came in without a reload
        page.screenshot(path=str(ARTIFACTS / "coordinator-roster-laptop.png"), full_page=True)
        page.goto(f"{base}/")
        page.screenshot(path=str(ARTIFACTS / "coordinator-board-laptop.png"), full_page=True)
        context.close()

        size, mobile = VIEWPORTS["phone"]
        phone_context = browser.new_context(
            viewport=size, is_mobile=True, locale="ko-KR", storage_state=None
        )
        phone = phone_context.new_page()
        phone.goto(f"{base}/login")
        phone.fill("input[name=email]", user.email)
        phone.fill("input[name=password]", PASSWORD)
        phone.click("form:has(input[name=password]) button[type=submit]")
        phone.wait_for_url(f"{base}/")
        assert phone.locator(".mission-card").count() == 1
        assert "개농장 폐쇄 구조" in phone.locator(".mission-card").inner_text()
        # Nothing wider than the phone's screen: no sideways scrolling on the board.
        assert phone.evaluate("document.documentElement.scrollWidth") <= size["width"]
        phone.screenshot(path=str(ARTIFACTS / "coordinator-board-phone.png"), full_page=True)
        phone.goto(f"{base}/missions/{mission.id}/roster")
        assert phone.evaluate("document.documentElement.scrollWidth") <= size["width"]
        phone.screenshot(path=str(ARTIFACTS / "coordinator-roster-phone.png"), full_page=True)
        phone_context.close()

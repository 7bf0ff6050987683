"""A volunteer answers a call-out from their phone in Debian's Chromium: take a place, bring a
van, cancel, and the first on the waitlist gets the place. Screenshots go to test-artifacts/."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator import links
from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import (
    CallOut,
    Direction,
    Message,
    MessageStatus,
    Signup,
    SignupSource,
    SignupStatus,
    StaffRole,
)
from tests.conftest import PASSWORD
from tests.support import services
from tests.support.personal import live_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
LINK = re.compile(r"https?://\S+/v/\S+")


@pytest.fixture
def browser():
    services.need("chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=services.CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"personal-{name}.png"), full_page=True)


def _callout_sms(volunteer, mission) -> str:
    """Queue the call-out SMS the way the call-out engine does, and return its body."""
    callout = CallOut(mission_id=mission.id, status="sending")
    db.session.add(callout)
    db.session.flush()
    link = links.personal_url(volunteer, mission.id)
    body = f"[구조] {mission.code} {mission.title} 도와주세요: {link}"
    db.session.add(
        Message(
            direction=Direction.OUTBOUND,
            volunteer=volunteer,
            phone=volunteer.phone,
            body=body,
            kind="callout",
            status=MessageStatus.SENT,
            callout_id=callout.id,
            mission_id=mission.id,
        )
    )
    db.session.commit()
    return body


def _status(volunteer) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Signup.status).where(Signup.volunteer_id == volunteer.id))


def test_a_volunteer_answers_a_callout_on_a_phone_and_the_waitlist_moves_up(
    app, browser, create_mission, create_volunteer, create_staff
):
    mission = create_mission(
        "개농장 구조 작전",
        roles={"핸들러 Handler": "handler"},
        capacity=1,
        day=5,
        is_address_confidential=True,
        address="비밀 농장 주소 99",
    )
    volunteer = create_volunteer("김민준")
    waiting = create_volunteer("이서연")
    coordinator = create_staff(StaffRole.COORDINATOR)

    with live_server(app) as base:
        app.config["PUBLIC_BASE_URL"] = base
        link = LINK.search(_callout_sms(volunteer, mission)).group(0)
        phone = browser.new_context(**PHONE)
        page = phone.new_page()

        page.goto(link)
        page.wait_for_selector("text=개농장 구조 작전")
        assert "비밀 농장 주소 99" not in page.content()
        _shot(page, "1-callout-link")

        page.click("a.vp-take")
        page.wait_for_selector(".vp-confirm form button.big")
        page.click("summary")
        page.select_option("select[name=kind]", "van")
        page.fill("input[name=seats]", "2")
        page.fill("input[name=crates]", "4")
        _shot(page, "2-confirm-with-van")
        with page.expect_navigation():
            page.click(".vp-confirm form button.big")
        page.wait_for_selector("#my-places .status-confirmed")
        assert "비밀 농장 주소 99" in page.content()
        _shot(page, "3-place-taken")
        assert _status(volunteer) == SignupStatus.CONFIRMED

        signups.sign_up(waiting, mission.positions[0], source=SignupSource.SMS)
        db.session.commit()
        assert _status(waiting) == SignupStatus.WAITLISTED

        desk = browser.new_context(viewport={"width": 1280, "height": 800})
        roster = desk.new_page()
        roster.goto(f"{base}/login")
        roster.fill("input[name=email]", coordinator.email)
        roster.fill("input[name=password]", PASSWORD)
        with roster.expect_navigation():
            roster.click("button[type=submit]")
        roster.goto(f"{base}/missions/{mission.id}/roster")
        roster.wait_for_selector("text=김민준")
        _shot(roster, "4-coordinator-roster")
        assert "van" in roster.content().lower()
        signup = db.session.scalar(select(Signup).where(Signup.volunteer_id == volunteer.id))
        assert (signup.vehicle.kind, signup.vehicle.crate_slots) == ("van", 4)

        page.click("#my-places a.danger-outline")
        page.wait_for_selector(".vp-confirm button.danger.big")
        _shot(page, "5-cancel-confirm")
        with page.expect_navigation():
            page.click(".vp-confirm button.danger.big")
        page.wait_for_selector(".flash")
        _shot(page, "6-cancelled")

        assert _status(volunteer) == SignupStatus.CANCELLED
        assert _status(waiting) == SignupStatus.OFFERED

        their_page = phone.new_page()
        their_page.goto(links.personal_url(waiting, mission.id))
        their_page.wait_for_selector("#my-places .status-offered")
        _shot(their_page, "7-waitlist-offered")
        with their_page.expect_navigation():
            their_page.click("form[action*='/accept/'] button")
        their_page.wait_for_selector("#my-places .status-confirmed")
        assert _status(waiting) == SignupStatus.CONFIRMED

        their_page.goto(links.personal_url(waiting, mission.id) + "?lang=en")
        their_page.click(".vp-footer a")
        their_page.wait_for_selector("form[action$='/pause']")
        assert "Holiday: pause call-outs" in their_page.content()
        _shot(their_page, "8-profile")
        desk.close()
        phone.close()

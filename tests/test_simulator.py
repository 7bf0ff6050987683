"""The SMS simulator: a coordinator plays a volunteer's phone through the real conversation."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Message, Signup, SignupStatus, StaffRole
from coordinator.sms.outbox import queue_sms
from tests.conftest import PASSWORD
from tests.support import services
from tests.support.conversation import gunicorn_app

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def coordinator(create_staff, login):
    user = create_staff(StaffRole.COORDINATOR)
    login(user)
    return user


def test_a_reply_typed_in_the_simulator_books_through_the_sms_conversation(
    app, client, coordinator, create_mission, create_volunteer, invite, csrf_token
):
    mission = create_mission(code="B7", capacity=3)
    volunteer = create_volunteer("이서연")
    invite(mission, volunteer)
    queue_sms(volunteer, "help", kind="callout")  # stands in for the call-out text
    db.session.commit()
    page = client.get(f"/simulator/{volunteer.id}")
    assert "이서연" in page.get_data(as_text=True) and "B7" in page.get_data(as_text=True)

    response = client.post(
        f"/simulator/{volunteer.id}", data={"body": "네", "csrf_token": csrf_token(page)}
    )

    assert response.status_code == 303
    assert db.session.scalar(select(Signup.status)) == SignupStatus.CONFIRMED
    thread = client.get(f"/simulator/{volunteer.id}/thread").get_data(as_text=True)
    assert "답장: 네, 아니요" in thread  # what they received before
    assert "확정! B7 Handler" in thread and "수원역 4번 출구" in thread


def test_an_empty_reply_is_refused_with_a_message_and_stores_nothing(
    app, client, coordinator, create_volunteer, csrf_token
):
    volunteer = create_volunteer()
    page = client.get(f"/simulator/{volunteer.id}")

    response = client.post(
        f"/simulator/{volunteer.id}", data={"body": "   ", "csrf_token": csrf_token(page)}
    )

    assert response.status_code == 400
    assert "type the reply" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_reply_without_the_form_token_is_refused(app, client, coordinator, create_volunteer):
    volunteer = create_volunteer()
    response = client.post(f"/simulator/{volunteer.id}", data={"body": "네"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_volunteers_are_found_by_name_or_phone(app, client, coordinator, create_volunteer):
    create_volunteer("박지호", phone="+821055501234")
    create_volunteer("김민준")

    by_name = client.get("/simulator/?q=지호").get_data(as_text=True)
    by_phone = client.get("/simulator/?q=010-5550-1234").get_data(as_text=True)

    assert "박지호" in by_name and "김민준" not in by_name
    assert "박지호" in by_phone and "김민준" not in by_phone


def test_team_leads_cannot_play_a_volunteers_phone(
    app, client, create_staff, login, create_volunteer
):
    login(create_staff(StaffRole.TEAM_LEAD))
    volunteer = create_volunteer()
    assert client.get(f"/simulator/{volunteer.id}").status_code == 403
    assert client.post(f"/simulator/{volunteer.id}", data={"body": "네"}).status_code in (400, 403)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_the_simulator_needs_a_login(app, client, create_volunteer):
    response = client.get(f"/simulator/{create_volunteer().id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.app_config(SIMULATOR_ENABLED=False)
def test_the_simulator_is_off_where_disabled(app, client, coordinator, create_volunteer):
    assert client.get(f"/simulator/{create_volunteer().id}").status_code == 404


@pytest.mark.browser
@pytest.mark.integration
def test_a_coordinator_answers_a_call_out_from_the_simulator_on_a_phone_screen(
    app, create_staff, create_mission, create_volunteer, invite
):
    services.need("chromium")
    from playwright.sync_api import sync_playwright

    user = create_staff(StaffRole.COORDINATOR, email="sim@example.org")
    mission = create_mission(
        code="B7",
        roles={"Handler": "handler", "Driver": None},
        shifts=[(7, 12), (13, 18)],
        capacity=2,
    )
    volunteer = create_volunteer("이서연")
    invite(mission, volunteer)
    db.session.commit()
    ARTIFACTS.mkdir(exist_ok=True)

    with gunicorn_app(app.config["SQLALCHEMY_DATABASE_URI"], workers=1, threads=4) as base:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=services.CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                ],
            )
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ko-KR")
            page.goto(base + "/login")
            page.fill("input[name=email]", user.email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{base}/simulator/{volunteer.id}")
            page.fill("#sim-body", "네")
            page.click(".sim-compose button")
            page.wait_for_selector(".bubble.theirs >> text=B7 번호로 답장하세요")
            page.click(".sim-quick button >> text='2'")
            page.wait_for_selector(".bubble.theirs >> text=확정! B7 Handler")
            page.screenshot(path=str(ARTIFACTS / "simulator-phone.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=str(ARTIFACTS / "simulator-desktop.png"), full_page=True)
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.reload()
            page.wait_for_timeout(500)
            browser.close()

    assert errors == []  # no CSP violation, no script error
    db.session.expire_all()
    assert db.session.scalar(select(Signup.status)) == SignupStatus.CONFIRMED


def test_the_quick_replies_offer_what_the_last_menu_offered(
    app, client, coordinator, create_mission, create_volunteer, invite, csrf_token
):
    mission = create_mission(
        code="B7", roles={"Handler": None, "Driver": "driver"}, shifts=[(7, 12), (13, 18)]
    )
    volunteer = create_volunteer("이서연")  # no driver skill: a menu of the two Handler places
    invite(mission, volunteer)
    db.session.commit()

    def buttons() -> list[str]:
        page = client.get(f"/simulator/{volunteer.id}").get_data(as_text=True)
        quick = page.split('class="sim-quick"')[1].split("</form>")[0]
        return [part.split('"')[0] for part in quick.split('name="body" value="')[1:]]

    assert buttons() == ["네", "아니요", "취소", "내 일정", "도착", "도움말"]
    page = client.get(f"/simulator/{volunteer.id}")
    client.post(f"/simulator/{volunteer.id}", data={"body": "네", "csrf_token": csrf_token(page)})
    assert buttons() == ["1", "2", "아니요"]

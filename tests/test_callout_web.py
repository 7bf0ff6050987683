"""The coordinator's call-out pages: filters with a live count, preview, send, progress, cancel."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from coordinator.domain import callouts
from coordinator.extensions import db
from coordinator.models import CallOut, CallOutStatus, Message, MessageStatus, StaffRole
from coordinator.timeutil import now_utc
from tests.conftest import PASSWORD
from tests.support import services
from tests.support.personal import live_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def coordinator_on_page(client, login, create_staff, create_mission, **mission):
    login(create_staff(StaffRole.COORDINATOR))
    mission = create_mission(**mission)
    return mission, client.get(f"/missions/{mission.id}/callouts/new")


def test_the_new_call_out_page_shows_the_audience_count_and_a_preview_per_language(
    client, login, create_staff, create_mission, create_volunteer
):
    create_volunteer("ko", language="ko")
    create_volunteer("en", language="en")
    mission, page = coordinator_on_page(client, login, create_staff, create_mission)

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="audience-total">2<' in html
    assert html.count('class="sms-preview"') == 2 and f"Rescue {mission.code}:" in html
    assert "callouts.js" in html and "style=" not in html


def test_team_leads_cannot_open_or_send_call_outs(
    client, login, create_staff, create_mission, csrf_token
):
    login(create_staff(StaffRole.TEAM_LEAD))
    mission = create_mission()
    token = csrf_token(client.get("/"))

    assert client.get(f"/missions/{mission.id}/callouts/new").status_code == 403
    assert (
        client.post(
            f"/missions/{mission.id}/callouts/new", data={"csrf_token": token, "wave_size": 5}
        ).status_code
        == 403
    )
    assert db.session.scalar(select(func.count()).select_from(CallOut)) == 0


def test_live_preview_counts_the_filtered_audience(
    client, login, create_staff, create_mission, create_volunteer
):
    create_volunteer("vet", skills=["vet"], region="Suwon")
    create_volunteer("handler", skills=["handler"], region="Suwon")
    mission, _ = coordinator_on_page(client, login, create_staff, create_mission)

    data = client.get(f"/missions/{mission.id}/callouts/preview.json?skills=vet").get_json()
    bad = client.get(f"/missions/{mission.id}/callouts/preview.json?language=fr")

    assert data["total"] == 1 and {p["language"] for p in data["previews"]} == {"ko", "en"}
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "language"


def test_sending_creates_a_running_call_out_and_shows_its_progress(
    client, login, create_staff, create_mission, create_volunteer, csrf_token
):
    for i in range(3):
        create_volunteer(f"v{i}")
    mission, page = coordinator_on_page(client, login, create_staff, create_mission, capacity=5)

    response = client.post(
        f"/missions/{mission.id}/callouts/new",
        data={
            "csrf_token": csrf_token(page),
            "wave_size": 10,
            "wave_interval_minutes": 5,
            "is_urgent": "y",
            "skills": ["handler"],
        },
    )

    assert response.status_code == 302
    callout = db.session.scalar(select(CallOut))
    assert callout.status == CallOutStatus.SENDING and callout.audience["skills"] == ["handler"]
    callouts.run_wave(callout, now_utc())
    db.session.commit()
    progress = client.get(f"/callouts/{callout.id}/progress.json").get_json()
    assert (progress["queued"], progress["total"], progress["status"]) == (3, 3, "sending")
    korean = client.get(
        f"/callouts/{callout.id}/progress.json", headers={"Accept-Language": "ko"}
    ).get_json()
    assert korean["status_label"] != "sending"  # the reader's word, not the stored value
    assert "Cancel the rest" in client.get(response.location).get_data(as_text=True)


def test_a_bad_wave_size_is_refused_with_the_form_and_nothing_is_created(
    client, login, create_staff, create_mission, csrf_token
):
    mission, page = coordinator_on_page(client, login, create_staff, create_mission)

    response = client.post(
        f"/missions/{mission.id}/callouts/new",
        data={"csrf_token": csrf_token(page), "wave_size": 0, "wave_interval_minutes": 5},
    )

    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CallOut)) == 0


def test_sending_without_the_csrf_token_is_refused(client, login, create_staff, create_mission):
    mission, _ = coordinator_on_page(client, login, create_staff, create_mission)

    response = client.post(f"/missions/{mission.id}/callouts/new", data={"wave_size": 5})

    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CallOut)) == 0


def test_a_full_mission_cannot_be_called_out_and_says_why(
    client, login, create_staff, create_mission, csrf_token
):
    mission, page = coordinator_on_page(client, login, create_staff, create_mission, capacity=0)

    response = client.post(
        f"/missions/{mission.id}/callouts/new",
        data={"csrf_token": csrf_token(page), "wave_size": 5, "wave_interval_minutes": 5},
    )

    assert response.status_code == 400
    assert "no open places" in response.get_data(as_text=True)


def test_cancel_stops_the_rest_and_failures_are_listed_with_their_reason(
    client, login, create_staff, create_mission, create_volunteer, csrf_token
):
    volunteers = [create_volunteer(f"v{i}") for i in range(3)]
    login(create_staff(StaffRole.COORDINATOR))
    mission = create_mission(capacity=5)
    callout = callouts.create_callout(
        mission, audience=callouts.audiences.Audience(), is_urgent=True
    )
    callouts.run_wave(callout, now_utc())
    failed = db.session.scalars(
        select(Message).where(Message.volunteer_id == volunteers[0].id)
    ).one()
    failed.status, failed.error_code = MessageStatus.FAILED, 21614
    db.session.commit()
    page = client.get(f"/callouts/{callout.id}")

    response = client.post(f"/callouts/{callout.id}/cancel", data={"csrf_token": csrf_token(page)})

    html = client.get(response.location).get_data(as_text=True)
    assert "2 messages will not be sent" in html
    assert "21614" in html and "not a mobile number" in html and volunteers[0].name in html
    assert db.session.get(CallOut, callout.id).status == CallOutStatus.CANCELLED


@pytest.mark.browser
def test_in_chromium_the_count_follows_the_filters_and_progress_moves_without_reload(
    app, create_staff, create_mission, create_volunteer
):
    services.need("chromium")
    from playwright.sync_api import expect, sync_playwright

    coordinator = create_staff(StaffRole.COORDINATOR)
    mission = create_mission(
        "개농장 구조", roles={"핸들러": "handler", "수의사": "vet"}, capacity=4, area="경기 남부"
    )
    for i in range(6):
        create_volunteer(f"봉사자{i}", skills=["handler"], language="ko" if i % 2 else "en")
    create_volunteer("수의사", skills=["vet"])
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=services.CHROMIUM, args=CHROMIUM)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ko-KR")
        page.goto(f"{base}/login")
        page.fill("input[name=email]", coordinator.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{base}/missions/{mission.id}/callouts/new")
        assert page.inner_text("#audience-total") == "7"

        page.check("input[name=skills][value=vet]")
        expect(page.locator("#audience-total")).to_have_text("1")
        page.screenshot(path=ARTIFACTS / "callout-new-phone.png", full_page=True)
        page.uncheck("input[name=skills][value=vet]")
        page.check("input[name=is_urgent]")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("button.primary")
        page.wait_for_url("**/callouts/*")
        callout = db.session.scalar(select(CallOut))
        callouts.run_wave(callout, now_utc())
        db.session.commit()
        expect(page.locator("[data-field=queued]")).to_have_text("7")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=ARTIFACTS / "callout-progress-desktop.png", full_page=True)
        browser.close()

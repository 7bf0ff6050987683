"""Staff record paper consents and waivers and verify qualifications; admins publish waivers."""

from datetime import timedelta

from sqlalchemy import select

from coordinator.domain import readiness
from coordinator.extensions import db
from coordinator.models import Consent, StaffRole, WaiverAcceptance, WaiverVersion
from coordinator.timeutil import now_utc


def test_a_coordinator_records_paper_consent_and_waiver_and_verifies_a_qualification(
    app, client, login, csrf_token, create_staff, create_volunteer
):
    readiness.publish_waiver("서약서", "Waiver", staff_user_id=None)
    volunteer = create_volunteer("종이", skills=())
    staff = create_staff(StaffRole.COORDINATOR)
    login(staff)
    page = client.get(f"/volunteers/{volunteer.id}")
    assert "No consent on record." in page.get_data(as_text=True)
    token = csrf_token(page)
    base = f"/volunteers/{volunteer.id}"
    assert (
        client.post(
            f"{base}/consents", data={"optional_items": "vehicle", "csrf_token": token}
        ).status_code
        == 303
    )
    assert client.post(f"{base}/waiver", data={"csrf_token": token}).status_code == 303
    expires = (now_utc() + timedelta(days=100)).date().isoformat()
    assert (
        client.post(
            f"{base}/qualifications",
            data={"skill": "large-animal", "expires_on": expires, "csrf_token": token},
        ).status_code
        == 303
    )
    consent = db.session.scalar(select(Consent))
    assert (consent.channel, consent.staff_user_id, consent.optional_items) == (
        "paper",
        staff.id,
        ["vehicle"],
    )
    assert db.session.scalar(select(WaiverAcceptance.channel)) == "paper"
    db.session.refresh(volunteer)
    assert volunteer.has_skill("large-animal")
    assert volunteer.skills[0].verified_by_id == staff.id
    html = client.get(base, headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "종이 서식" in html and "paper" not in html.split('id="readiness"')[1]


def test_a_bad_expiry_date_is_named_and_changes_nothing(
    app, client, login, csrf_token, create_staff, create_volunteer
):
    volunteer = create_volunteer("날짜", skills=())
    login(create_staff(StaffRole.COORDINATOR))
    page = client.get(f"/volunteers/{volunteer.id}")
    response = client.post(
        f"/volunteers/{volunteer.id}/qualifications",
        data={"skill": "vet", "expires_on": "next tuesday", "csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "is not a date" in response.get_data(as_text=True)
    db.session.refresh(volunteer)
    assert volunteer.skills == []


def test_a_team_lead_cannot_record_consent(
    app, client, login, csrf_token, create_staff, create_volunteer
):
    volunteer = create_volunteer("팀장 금지")
    login(create_staff(StaffRole.TEAM_LEAD))
    token = csrf_token(client.get("/account/tokens"))
    assert (
        client.post(f"/volunteers/{volunteer.id}/consents", data={"csrf_token": token}).status_code
        == 403
    )
    assert db.session.scalar(select(Consent.id)) is None


def test_an_admin_publishes_a_new_waiver_version(app, client, login, csrf_token, create_staff):
    login(create_staff(StaffRole.ADMIN))
    page = client.get("/admin/waiver")
    for n in (1, 2):
        response = client.post(
            "/admin/waiver",
            data={
                "text_ko": f"서약서 {n}",
                "text_en": f"Waiver {n}",
                "csrf_token": csrf_token(page),
            },
        )
        assert response.status_code == 303
    assert [w.text_en for w in db.session.scalars(select(WaiverVersion))] == [
        "Waiver 1",
        "Waiver 2",
    ]
    assert readiness.current_waiver().text_ko == "서약서 2"

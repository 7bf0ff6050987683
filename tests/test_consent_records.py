"""Consent as a record: asked again after a new notice, withdrawn in one tap, exported."""

import json

from sqlalchemy import select

from coordinator.domain import audience as audience_rules
from coordinator.domain import consents, readiness
from coordinator.extensions import db
from coordinator.models import Consent, Message, StaffRole, WaiverAcceptance
from coordinator.timeutil import now_utc
from tests.support.personal import path


def test_a_volunteer_who_agreed_to_an_old_notice_is_asked_again(
    app, client, csrf_token, create_volunteer
):
    volunteer = create_volunteer("박동의")
    consents.record_consent(volunteer, channel="paper", optional_items=[])
    db.session.commit()
    assert "ask-consent" not in client.get(path(volunteer)).get_data(as_text=True)
    app.config["PRIVACY_NOTICE_VERSION"] = "2027-01-01"
    page = client.get(path(volunteer))
    assert "ask-consent" in page.get_data(as_text=True)
    notice = client.get(path(volunteer, suffix="/consent"))
    assert "Twilio" in notice.get_data(as_text=True)
    response = client.post(
        path(volunteer, suffix="/consent"),
        data={"agree": "yes", "optional_items": ["vehicle"], "csrf_token": csrf_token(notice)},
    )
    assert response.status_code == 303
    records = consents.records_of(volunteer)
    assert [(c.notice_version, c.channel) for c in records] == [
        ("2026-12-01", "paper"),
        ("2027-01-01", "personal"),
    ]
    assert records[-1].optional_items == ["vehicle"]
    assert "ask-consent" not in client.get(path(volunteer)).get_data(as_text=True)


def test_agreeing_without_the_tick_changes_nothing(app, client, csrf_token, create_volunteer):
    volunteer = create_volunteer("박동의")
    page = client.get(path(volunteer, suffix="/consent"))
    response = client.post(
        path(volunteer, suffix="/consent"), data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(Consent.id)) is None


def test_withdrawal_is_one_tap_and_stops_every_message_but_its_confirmation(
    app, client, csrf_token, create_volunteer, create_mission
):
    volunteer = create_volunteer("철회", language="en")
    consents.record_consent(volunteer, channel="join", optional_items=[])
    db.session.commit()
    page = client.get(path(volunteer))
    assert 'id="withdraw-consent"' in page.get_data(as_text=True)
    response = client.post(
        path(volunteer, suffix="/withdraw"), data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    db.session.refresh(volunteer)
    assert volunteer.is_opted_out
    assert consents.records_of(volunteer)[0].withdrawn_at is not None
    bodies = list(
        db.session.scalars(select(Message.body).where(Message.volunteer_id == volunteer.id))
    )
    assert bodies == [
        "Your consent is withdrawn. This is our last message. Your data is deleted when its "
        "retention period ends."
    ]
    mission = create_mission(roles={"Helper": None})
    assert audience_rules.count(mission, audience_rules.Audience(), now_utc())["total"] == 0


def test_an_admin_exports_one_volunteers_consent_records(
    app, client, csrf_token, create_volunteer, create_staff, login
):
    volunteer = create_volunteer("내보내기")
    consents.record_consent(volunteer, channel="paper", optional_items=["birth_date"])
    other = create_volunteer("다른 사람")
    consents.record_consent(other, channel="join", optional_items=[])
    db.session.commit()
    login(create_staff(StaffRole.ADMIN))
    page = client.get(f"/volunteers/{volunteer.id}")
    response = client.post(
        f"/privacy/volunteers/{volunteer.id}/consents", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 200
    data = json.loads(response.data)
    assert [c["channel"] for c in data["consents"]] == ["paper"]
    assert data["consents"][0]["optional_items"] == ["birth_date"]
    assert data["consents"][0]["notice_version"] == "2026-12-01"


def test_a_coordinator_cannot_export_consents(
    app, client, csrf_token, create_volunteer, create_staff, login
):
    volunteer = create_volunteer("내보내기")
    login(create_staff(StaffRole.COORDINATOR))
    page = client.get(f"/volunteers/{volunteer.id}")
    response = client.post(
        f"/privacy/volunteers/{volunteer.id}/consents", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 403


def test_the_waiver_is_accepted_on_the_personal_page(app, client, csrf_token, create_volunteer):
    readiness.publish_waiver("서약서 본문", "Waiver text", staff_user_id=None)
    volunteer = create_volunteer("서약", language="ko")
    db.session.commit()
    assert "ask-waiver" in client.get(path(volunteer)).get_data(as_text=True)
    page = client.get(path(volunteer, suffix="/waiver"))
    assert "서약서 본문" in page.get_data(as_text=True)
    response = client.post(
        path(volunteer, suffix="/waiver"), data={"accept": "yes", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    assert db.session.scalar(select(WaiverAcceptance.channel)) == "personal"
    assert readiness.waiver_valid_on(volunteer, now_utc())


def test_a_guardians_paper_consent_lets_staff_approve_an_under_14(app, create_volunteer):
    from coordinator.domain import joining
    from coordinator.models import Approval

    child = create_volunteer("어린이", approval=Approval.PENDING, guardian_name="부모")
    consents.record_consent(child, channel="paper", optional_items=[], by_guardian=True)
    joining.approve(child)
    assert child.approval == Approval.APPROVED and child.guardian_verified_at is not None

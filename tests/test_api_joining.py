"""The JSON API carries approval, consents and qualifications, and records them."""

from datetime import timedelta

from coordinator.domain import consents
from coordinator.extensions import db
from coordinator.models import Approval, StaffRole
from coordinator.timeutil import now_utc
from tests.support.api import api_as_fixture, coordinator_api_fixture  # noqa: F401


def test_a_volunteer_in_the_api_shows_approval_consents_and_qualifications(
    app, coordinator_api, create_volunteer
):
    volunteer = create_volunteer("김API", skills=("vet",))
    consents.record_consent(volunteer, channel="paper", optional_items=["vehicle"])
    db.session.commit()
    body = coordinator_api.get(f"/volunteers/{volunteer.id}").json
    assert body["approval"] == "approved"
    assert body["consents"][0]["channel"] == "paper"
    assert body["consents"][0]["purposes"] == ["callouts", "reminders", "attendance"]
    assert body["qualifications"][0]["skill"] == "vet"
    listed = coordinator_api.get("/volunteers").json["items"][0]
    assert listed["consents"][0]["notice_version"] == app.config["PRIVACY_NOTICE_VERSION"]


def test_staff_record_a_paper_consent_and_an_expiring_qualification(
    app, coordinator_api, create_volunteer
):
    volunteer = create_volunteer("종이 동의", skills=())
    response = coordinator_api.post(
        f"/volunteers/{volunteer.id}/consents",
        {"channel": "paper", "optional_items": ["birth_date"]},
    )
    assert response.status_code == 201, response.json
    assert response.json["channel"] == "paper"
    expires = (now_utc() - timedelta(days=1)).isoformat()
    response = coordinator_api.put(
        f"/volunteers/{volunteer.id}/qualifications/vet", {"expires_at": expires}
    )
    assert response.status_code == 200, response.json
    qualification = response.json["qualifications"][0]
    assert qualification["is_verified"] and not qualification["is_valid"]
    bad = coordinator_api.post(f"/volunteers/{volunteer.id}/consents", {"channel": "join"})
    assert bad.status_code == 422


def test_approval_over_the_api_and_a_team_lead_cannot(
    app, api_as, coordinator_api, create_volunteer
):
    volunteer = create_volunteer("대기 중", approval=Approval.PENDING)
    lead = api_as(StaffRole.TEAM_LEAD)
    refused = lead.post(f"/volunteers/{volunteer.id}/approval", {"decision": "approve"})
    assert refused.status_code == 403
    response = coordinator_api.post(f"/volunteers/{volunteer.id}/approval", {"decision": "approve"})
    assert response.status_code == 200 and response.json["approval"] == "approved"
    again = coordinator_api.post(f"/volunteers/{volunteer.id}/approval", {"decision": "reject"})
    assert again.status_code == 409


def test_the_openapi_document_describes_the_new_fields(app, coordinator_api):
    doc = coordinator_api.get("/openapi.json").json
    text = str(doc)
    assert "QualificationOut" in text and "ConsentOut" in text and "approval" in text


def test_staff_set_an_emergency_contact_and_birth_date_over_the_api(
    app, coordinator_api, create_volunteer
):
    volunteer = create_volunteer("비상", phone="+821011112222")
    response = coordinator_api.put(
        f"/volunteers/{volunteer.id}/emergency-contact",
        {"name": "김어머니", "phone": "010-5555-6666", "birth_date": "1990-04-01"},
    )
    assert response.status_code == 200, response.json
    assert (response.json["emergency_phone"], response.json["birth_date"]) == (
        "+821055556666",
        "1990-04-01",
    )
    same = coordinator_api.put(
        f"/volunteers/{volunteer.id}/emergency-contact", {"name": "본인", "phone": "010-1111-2222"}
    )
    assert same.status_code == 422 and "other than" in str(same.json)
    db.session.refresh(volunteer)
    assert volunteer.emergency_name == "김어머니"

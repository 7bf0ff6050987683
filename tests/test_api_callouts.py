"""Coordinators send call-outs over the API and watch their counters."""

import pytest

import tasks.callouts
import tasks.sms  # noqa: F401
from coordinator.domain import callouts
from coordinator.extensions import db
from coordinator.models import CallOut, CallOutStatus, MissionStatus, StaffRole
from tests.support.api import error_of


@pytest.mark.app_config(OUTBOX_DISPATCH="eager")
def test_a_call_out_is_sent_at_once_and_counted(coordinator_api, create_mission, create_volunteer):
    for i in range(3):
        create_volunteer(f"handler {i}", skills=["handler"])
    create_volunteer("vet only", skills=["vet"])
    mission = create_mission(capacity=5, status=MissionStatus.DRAFT)

    response = coordinator_api.post(
        f"/missions/{mission.id}/callouts",
        {
            "audience": {"skills": ["handler"]},
            "wave_size": 10,
            "is_urgent": True,
            "note": "장화  필수",
        },
    )

    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "sending" and body["waves_sent"] == 1
    assert body["audience"]["skills"] == ["handler"] and body["note"] == "장화 필수"
    assert body["counters"]["total"] == 3
    assert body["counters"]["delivered"] == 3  # the console backend delivers at once
    assert db.session.get(CallOut, body["id"]).mission.status == MissionStatus.RECRUITING
    status = coordinator_api.get(f"/callouts/{body['id']}").json
    assert status["counters"] == body["counters"]
    listed = coordinator_api.get(f"/missions/{mission.id}/callouts").json
    assert [c["id"] for c in listed["items"]] == [body["id"]]


def test_cancelling_a_call_out_stops_its_queued_messages(
    coordinator_api, create_mission, create_volunteer
):
    for i in range(3):
        create_volunteer(f"v{i}")
    mission = create_mission(capacity=5)
    created = coordinator_api.post(f"/missions/{mission.id}/callouts", {"is_urgent": True}).json
    callout = db.session.get(CallOut, created["id"])
    callouts.run_wave(callout, callout.next_wave_at)  # what the worker would do
    db.session.commit()

    response = coordinator_api.post(f"/callouts/{callout.id}/cancel")

    assert response.status_code == 200, response.json
    assert response.json["messages_cancelled"] == 3
    assert response.json["callout"]["status"] == CallOutStatus.CANCELLED
    assert response.json["callout"]["counters"]["cancelled"] == 3
    again = coordinator_api.post(f"/callouts/{callout.id}/cancel")
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"


def test_a_full_mission_cannot_be_called_out(coordinator_api, create_mission):
    mission = create_mission(capacity=0)
    response = coordinator_api.post(f"/missions/{mission.id}/callouts", {})
    assert response.status_code == 409
    assert "no open places" in error_of(response)["message"]


def test_bad_call_out_settings_name_their_field(coordinator_api, create_mission):
    mission = create_mission()
    zero = coordinator_api.post(f"/missions/{mission.id}/callouts", {"wave_size": 0})
    assert zero.status_code == 422 and error_of(zero)["field"] == "wave_size"
    long_note = coordinator_api.post(f"/missions/{mission.id}/callouts", {"note": "x" * 81})
    assert long_note.status_code == 422 and error_of(long_note)["field"] == "note"
    language = coordinator_api.post(
        f"/missions/{mission.id}/callouts", {"audience": {"language": "fr"}}
    )
    assert language.status_code == 422 and error_of(language)["field"] == "audience.language"
    assert db.session.scalar(db.select(db.func.count()).select_from(CallOut)) == 0


def test_an_unknown_call_out_is_a_404(coordinator_api):
    assert coordinator_api.get("/callouts/12345").status_code == 404


def test_team_leads_cannot_send_read_or_cancel_call_outs(api_as, create_staff, create_mission):
    lead = create_staff(StaffRole.TEAM_LEAD)
    mission = create_mission(team_leads=[lead])
    callout = callouts.create_callout(mission, audience=callouts.audiences.Audience())
    db.session.commit()
    api = api_as(user=lead)
    assert api.post(f"/missions/{mission.id}/callouts", {}).status_code == 403
    assert api.get(f"/missions/{mission.id}/callouts").status_code == 403
    assert api.get(f"/callouts/{callout.id}").status_code == 403
    assert api.post(f"/callouts/{callout.id}/cancel").status_code == 403
    assert db.session.get(CallOut, callout.id).status == CallOutStatus.SENDING

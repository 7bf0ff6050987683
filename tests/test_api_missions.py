"""Coordinators plan missions over the API: details, roles, shifts, capacities, vehicles."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from coordinator.extensions import db
from coordinator.models import Mission, MissionStatus, StaffRole
from tests.support.api import error_of

MISSION = {
    "title": "화성 개농장 폐쇄",
    "kind": "farm_closure",
    "area": "경기 남부",
    "address": "화성시 어딘가 1-2",
    "meeting_point": "수원역 4번 출구",
    "starts_at": "2030-06-01T07:00",
    "ends_at": "2030-06-01T18:00",
    "animals": [{"species": "dog", "count": 60}],
}


def _create(api, **changes) -> dict:
    response = api.post("/missions", {**MISSION, **changes})
    assert response.status_code == 201, response.json
    return response.json


def _plan(api, mission_id: int) -> dict:
    role = api.post(
        f"/missions/{mission_id}/roles", {"name": "Handler", "required_skill": "handler"}
    ).json
    shift = api.post(
        f"/missions/{mission_id}/shifts",
        {
            "name": "오전",
            "starts_at": "2030-06-01T07:00+09:00",
            "ends_at": "2030-06-01T12:00+09:00",
        },
    ).json
    mission = api.get(f"/missions/{mission_id}").json
    position = mission["positions"][0]
    api.put(
        f"/missions/{mission_id}/capacities",
        {"capacities": [{"position_id": position["id"], "capacity": 2}]},
    )
    return {"role": role, "shift": shift, "position_id": position["id"]}


def test_a_naive_time_is_local_and_answers_carry_the_offset(coordinator_api):
    mission = _create(coordinator_api)
    assert mission["status"] == "draft"
    assert mission["code"] == "F1"
    assert mission["starts_at"] == "2030-06-01T07:00:00+09:00"
    stored = db.session.get(Mission, mission["id"])
    assert stored.starts_at.hour == 22 and stored.starts_at.day == 31  # UTC, the day before


def test_a_time_with_an_offset_is_taken_as_written(coordinator_api):
    mission = _create(
        coordinator_api, starts_at="2030-06-01T00:00:00Z", ends_at="2030-06-01T09:00:00+00:00"
    )
    assert mission["starts_at"] == "2030-06-01T09:00:00+09:00"


def test_a_mission_ending_before_it_starts_is_a_422_naming_ends_at(coordinator_api):
    response = coordinator_api.post("/missions", {**MISSION, "ends_at": "2030-06-01T06:00"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "ends_at"


def test_an_sms_code_used_by_an_open_mission_is_a_409(coordinator_api):
    _create(coordinator_api, code="B7")
    response = coordinator_api.post("/missions", {**MISSION, "code": "b7"})
    assert response.status_code == 409
    assert error_of(response)["field"] == "code"


def test_a_whole_plan_is_built_and_read_back_nested(coordinator_api):
    mission = _create(coordinator_api)
    plan = _plan(coordinator_api, mission["id"])
    vehicle = coordinator_api.post(
        f"/missions/{mission['id']}/vehicles",
        {"label": "승합차 1", "kind": "van", "seats": 9, "crate_slots": 12},
    )
    assert vehicle.status_code == 201

    body = coordinator_api.get(f"/missions/{mission['id']}").json
    assert [r["name"] for r in body["roles"]] == ["Handler"]
    assert body["roles"][0]["sms_key"] == "H"
    assert body["shifts"][0]["sms_key"] == "AM"
    assert body["shifts"][0]["starts_at"] == "2030-06-01T07:00:00+09:00"
    assert body["positions"] == [
        {
            "id": plan["position_id"],
            "role_id": plan["role"]["id"],
            "shift_id": plan["shift"]["id"],
            "capacity": 2,
            "filled": 0,
        }
    ]
    assert body["vehicles"][0]["crate_slots"] == 12
    assert body["animals"] == [{"species": "dog", "count": 60, "needs_crate": True}]
    assert (body["places_filled"], body["places_total"]) == (0, 2)


def test_a_shift_outside_the_mission_is_a_422(coordinator_api):
    mission = _create(coordinator_api)
    response = coordinator_api.post(
        f"/missions/{mission['id']}/shifts",
        {"starts_at": "2030-06-01T19:00", "ends_at": "2030-06-01T20:00"},
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "starts_at"


def test_capacity_above_the_limit_is_a_422_naming_the_field(coordinator_api):
    mission = _create(coordinator_api)
    plan = _plan(coordinator_api, mission["id"])
    response = coordinator_api.put(
        f"/missions/{mission['id']}/capacities",
        {"capacities": [{"position_id": plan["position_id"], "capacity": 501}]},
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "capacities.0.capacity"


def test_roles_shifts_and_vehicles_are_removed(coordinator_api):
    mission = _create(coordinator_api)
    plan = _plan(coordinator_api, mission["id"])
    vehicle = coordinator_api.post(f"/missions/{mission['id']}/vehicles", {"label": "Van"}).json
    base = f"/missions/{mission['id']}"
    assert coordinator_api.delete(f"{base}/vehicles/{vehicle['id']}").status_code == 204
    assert coordinator_api.delete(f"{base}/shifts/{plan['shift']['id']}").status_code == 204
    assert coordinator_api.delete(f"{base}/roles/{plan['role']['id']}").status_code == 204
    body = coordinator_api.get(base).json
    assert body["roles"] == [] and body["shifts"] == [] and body["vehicles"] == []
    assert coordinator_api.delete(f"{base}/roles/{plan['role']['id']}").status_code == 404


def test_a_role_of_another_mission_is_not_found_here(coordinator_api):
    first, second = _create(coordinator_api), _create(coordinator_api)
    plan = _plan(coordinator_api, first["id"])
    response = coordinator_api.delete(f"/missions/{second['id']}/roles/{plan['role']['id']}")
    assert response.status_code == 404


def test_a_patch_changes_only_what_is_sent_and_moves_the_shifts(coordinator_api):
    mission = _create(coordinator_api)
    _plan(coordinator_api, mission["id"])
    response = coordinator_api.patch(
        f"/missions/{mission['id']}",
        {"title": "새 제목", "starts_at": "2030-06-01T08:00", "ends_at": "2030-06-01T19:00"},
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["title"] == "새 제목" and body["address"] == "화성시 어딘가 1-2"
    assert body["shifts"][0]["starts_at"] == "2030-06-01T08:00:00+09:00"
    assert body["animals"] == [{"species": "dog", "count": 60, "needs_crate": True}]


def test_a_mission_opens_for_sign_ups_only_with_places(coordinator_api):
    mission = _create(coordinator_api)
    refused = coordinator_api.post(f"/missions/{mission['id']}/status", {"status": "recruiting"})
    assert refused.status_code == 409
    assert error_of(refused)["field"] == "status"
    _plan(coordinator_api, mission["id"])
    opened = coordinator_api.post(f"/missions/{mission['id']}/status", {"status": "recruiting"})
    assert opened.status_code == 200 and opened.json["status"] == "recruiting"
    unknown = coordinator_api.post(f"/missions/{mission['id']}/status", {"status": "paused"})
    assert unknown.status_code == 422 and error_of(unknown)["field"] == "status"


def test_cancelling_a_mission_texts_everyone_holding_a_place(
    coordinator_api, create_mission, create_volunteer
):
    from coordinator.domain import signups

    mission = create_mission(capacity=2)
    volunteer = create_volunteer()
    signups.sign_up(volunteer, mission.positions[0], source="staff")
    db.session.commit()
    response = coordinator_api.post(f"/missions/{mission.id}/cancel")
    assert response.status_code == 200, response.json
    assert response.json["notified"] == 1
    assert response.json["mission"]["status"] == "cancelled"
    again = coordinator_api.post(f"/missions/{mission.id}/cancel")
    assert again.status_code == 409


def test_the_list_filters_by_status_kind_and_local_dates(coordinator_api, create_mission):
    create_mission("Soon", day=1, kind="hoarding")
    create_mission("Later", day=10, kind="farm_closure")
    create_mission("Done", day=2, status=MissionStatus.DONE)
    in_five_days = (datetime.now(ZoneInfo("Asia/Seoul")).date() + timedelta(days=5)).isoformat()
    listed = coordinator_api.get("/missions?status=recruiting&status=staffed").json
    assert [m["title"] for m in listed["items"]] == ["Soon", "Later"]
    assert [m["title"] for m in coordinator_api.get("/missions?kind=hoarding").json["items"]] == [
        "Soon"
    ]
    since = coordinator_api.get(f"/missions?from={in_five_days}").json
    assert [m["title"] for m in since["items"]] == ["Later"]
    until = coordinator_api.get(f"/missions?to={in_five_days}").json
    assert [m["title"] for m in until["items"]] == ["Soon", "Done"]
    assert listed["items"][0]["places_total"] == 2


def test_team_leads_see_only_the_missions_they_lead(api_as, create_staff, create_mission):
    lead = create_staff(StaffRole.TEAM_LEAD)
    theirs = create_mission("Theirs", team_leads=[lead])
    other = create_mission("Other")
    api = api_as(user=lead)
    assert [m["title"] for m in api.get("/missions").json["items"]] == ["Theirs"]
    assert api.get(f"/missions/{theirs.id}").status_code == 200
    assert api.get(f"/missions/{other.id}").status_code == 403


def test_team_leads_cannot_change_missions(api_as, create_staff, create_mission):
    lead = create_staff(StaffRole.TEAM_LEAD)
    mission = create_mission(team_leads=[lead])
    api = api_as(user=lead)
    base = f"/missions/{mission.id}"
    for response in (
        api.post("/missions", MISSION),
        api.patch(base, {"title": "x"}),
        api.post(f"{base}/roles", {"name": "Vet"}),
        api.post(f"{base}/status", {"status": "done"}),
        api.put(f"{base}/capacities", {"capacities": [{"position_id": 1, "capacity": 1}]}),
        api.delete(f"{base}/roles/{mission.roles[0].id}"),
        api.post(f"{base}/cancel"),
    ):
        assert response.status_code == 403, response.request.path
    assert db.session.get(Mission, mission.id).status == MissionStatus.RECRUITING

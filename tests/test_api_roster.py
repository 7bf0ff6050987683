"""The roster over the API: who is where, and adding or removing people under booking rules."""

import threading

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import Signup, SignupStatus, StaffRole
from tests.support.api import ApiCaller, error_of


def _add(api, mission, volunteer, position=None, **extra):
    position = position or mission.positions[0]
    return api.post(
        f"/missions/{mission.id}/roster",
        {"volunteer_id": volunteer.id, "position_id": position.id, **extra},
    )


def test_a_volunteer_added_by_the_api_holds_a_place_with_source_api(
    coordinator_api, create_mission, create_volunteer
):
    mission, volunteer = create_mission(capacity=2), create_volunteer("정우성")
    response = _add(coordinator_api, mission, volunteer)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["source"]) == ("confirmed", "api")
    assert body["volunteer"]["name"] == "정우성" and body["role"]["name"] == "Handler"
    assert db.session.get(Signup, body["id"]).position.filled == 1


def test_the_last_place_taken_makes_the_next_request_a_409(
    coordinator_api, create_mission, create_volunteer
):
    mission = create_mission(capacity=1)
    assert _add(coordinator_api, mission, create_volunteer("first")).status_code == 201
    response = _add(coordinator_api, mission, create_volunteer("second"))
    assert response.status_code == 409
    assert error_of(response) == {
        "code": "conflict",
        "field": "position",
        "message": "Handler in this shift is full",
    }
    waitlisted = _add(coordinator_api, mission, create_volunteer("third"), waitlist=True)
    assert waitlisted.status_code == 201 and waitlisted.json["status"] == "waitlisted"


def test_racing_for_the_last_place_gives_one_place_and_409s_never_a_500(
    any_db_app, create_staff, create_mission, create_volunteer
):
    mission = create_mission(capacity=1)
    url, position_id = f"/missions/{mission.id}/roster", mission.positions[0].id
    bodies = [
        {"volunteer_id": create_volunteer(f"racer {i}").id, "position_id": position_id}
        for i in range(6)
    ]
    callers = [ApiCaller(any_db_app.test_client(), create_staff()) for _ in bodies]
    start, statuses = threading.Barrier(len(bodies)), []

    def race(caller: ApiCaller, body: dict) -> None:
        start.wait()  # ids only in here: the ORM rows belong to the test's app context
        statuses.append(caller.post(url, body).status_code)

    threads = [
        threading.Thread(target=race, args=pair) for pair in zip(callers, bodies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    confirmed = db.session.scalars(db.select(Signup).filter_by(status="confirmed")).all()
    assert len(confirmed) == 1


def test_overlapping_shifts_and_missing_skills_are_409s(
    coordinator_api, create_mission, create_volunteer
):
    vet_mission = create_mission(roles={"Vet": "vet"})
    handler = create_volunteer(skills=["handler"])
    response = _add(coordinator_api, vet_mission, handler)
    assert response.status_code == 409 and "vet" in error_of(response)["message"]

    first, second = create_mission(), create_mission()  # same day, same hours
    assert _add(coordinator_api, first, handler).status_code == 201
    clash = _add(coordinator_api, second, handler)
    assert clash.status_code == 409 and "overlapping" in error_of(clash)["message"]


def test_a_position_of_another_mission_is_a_422_naming_it(
    coordinator_api, create_mission, create_volunteer
):
    mission, other = create_mission(), create_mission()
    response = _add(coordinator_api, mission, create_volunteer(), position=other.positions[0])
    assert response.status_code == 422
    assert error_of(response)["field"] == "position_id"
    unknown = coordinator_api.post(
        f"/missions/{mission.id}/roster",
        {"volunteer_id": 9999, "position_id": mission.positions[0].id},
    )
    assert unknown.status_code == 422 and error_of(unknown)["field"] == "volunteer_id"


def test_the_roster_lists_status_source_vehicle_and_attendance(
    coordinator_api, create_mission, create_volunteer, create_staff
):
    from coordinator.domain import attendance

    mission = create_mission(capacity=1, vehicles=[("승합차 1", 9, 12)])
    here, waiting = create_volunteer("here"), create_volunteer("waiting")
    signup = signups.sign_up(here, mission.positions[0], source="sms")
    signups.sign_up(waiting, mission.positions[0], source="web")
    signup.vehicle_id = mission.vehicles[0].id
    attendance.mark(signup, "check_in", by=create_staff(), now=mission.starts_at)
    db.session.commit()

    body = coordinator_api.get(f"/missions/{mission.id}/roster").json
    assert [(s["volunteer"]["name"], s["status"], s["source"]) for s in body["items"]] == [
        ("here", "confirmed", "sms"),
        ("waiting", "waitlisted", "web"),
    ]
    first = body["items"][0]
    assert first["vehicle"]["label"] == "승합차 1"
    assert first["attendance"]["status"] == "present"
    assert first["attendance"]["checked_in_at"].endswith("+09:00")
    only_waiting = coordinator_api.get(f"/missions/{mission.id}/roster?status=waitlisted").json
    assert [s["volunteer"]["name"] for s in only_waiting["items"]] == ["waiting"]


def test_cancelling_a_signup_offers_the_place_to_the_waitlist(
    coordinator_api, create_mission, create_volunteer
):
    mission = create_mission(capacity=1)
    held = signups.sign_up(create_volunteer("held"), mission.positions[0], source="sms")
    waiting = signups.sign_up(create_volunteer("waiting"), mission.positions[0], source="sms")
    db.session.commit()

    response = coordinator_api.post(
        f"/missions/{mission.id}/roster/{held.id}/cancel", {"reason": "sick"}
    )

    assert response.status_code == 200, response.json
    assert response.json["signup"]["status"] == "cancelled"
    assert response.json["signup"]["cancel_reason"] == "sick"
    assert response.json["offered_to"]["id"] == waiting.id
    assert db.session.get(Signup, waiting.id).status == SignupStatus.OFFERED
    again = coordinator_api.post(f"/missions/{mission.id}/roster/{held.id}/cancel")
    assert again.status_code == 409


def test_seating_someone_in_a_full_vehicle_is_a_409(
    coordinator_api, create_mission, create_volunteer
):
    mission = create_mission(capacity=3, vehicles=[("Small car", 1, 0)])
    first = signups.sign_up(create_volunteer("a"), mission.positions[0], source="sms")
    second = signups.sign_up(create_volunteer("b"), mission.positions[0], source="sms")
    db.session.commit()
    vehicle_id = mission.vehicles[0].id
    seat = coordinator_api.put(
        f"/missions/{mission.id}/roster/{first.id}/vehicle", {"vehicle_id": vehicle_id}
    )
    assert seat.status_code == 200 and seat.json["vehicle"]["id"] == vehicle_id
    full = coordinator_api.put(
        f"/missions/{mission.id}/roster/{second.id}/vehicle", {"vehicle_id": vehicle_id}
    )
    assert full.status_code == 409 and error_of(full)["field"] == "vehicle"
    out = coordinator_api.put(
        f"/missions/{mission.id}/roster/{first.id}/vehicle", {"vehicle_id": None}
    )
    assert out.status_code == 200 and out.json["vehicle"] is None


def test_team_leads_read_the_rosters_of_missions_they_lead_and_change_nothing(
    api_as, create_staff, create_mission, create_volunteer
):
    lead = create_staff(StaffRole.TEAM_LEAD)
    theirs, other = create_mission(team_leads=[lead]), create_mission()
    signup = signups.sign_up(create_volunteer(), theirs.positions[0], source="sms")
    db.session.commit()
    api = api_as(user=lead)

    assert api.get(f"/missions/{theirs.id}/roster").status_code == 200
    assert api.get(f"/missions/{other.id}/roster").status_code == 403
    assert _add(api, theirs, create_volunteer()).status_code == 403
    assert api.post(f"/missions/{theirs.id}/roster/{signup.id}/cancel").status_code == 403
    assert (
        api.put(
            f"/missions/{theirs.id}/roster/{signup.id}/vehicle", {"vehicle_id": None}
        ).status_code
        == 403
    )
    assert db.session.get(Signup, signup.id).status == SignupStatus.CONFIRMED

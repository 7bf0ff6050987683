"""Calling the JSON API in tests: a client that sends a staff user's bearer token."""

import pytest

from coordinator.extensions import db
from coordinator.models import ApiToken, StaffRole, StaffUser


def issue_token(user: StaffUser) -> str:
    """A fresh API token of `user`, committed, in clear text."""
    token, clear = ApiToken.issue(user, name="test")
    db.session.add(token)
    db.session.commit()
    return clear


class ApiCaller:
    """The test client, with `Authorization: Bearer …` of one staff user on every request."""

    def __init__(self, client, user: StaffUser) -> None:
        self.client, self.user = client, user
        self.headers = {"Authorization": f"Bearer {issue_token(user)}"}

    def _open(self, method: str, path: str, **kwargs: object):
        return self.client.open(f"/api/v1{path}", method=method, headers=self.headers, **kwargs)

    def get(self, path: str, **kwargs: object):
        return self._open("GET", path, **kwargs)

    def post(self, path: str, json: object = None, **kwargs: object):
        return self._open("POST", path, json={} if json is None else json, **kwargs)

    def patch(self, path: str, json: object, **kwargs: object):
        return self._open("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: object, **kwargs: object):
        return self._open("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: object):
        return self._open("DELETE", path, **kwargs)


@pytest.fixture(name="api_as")
def api_as_fixture(client, create_staff):
    """An API caller for a new staff user of `role`, or for `user`: api_as("coordinator")."""

    def make(role: str = StaffRole.COORDINATOR, *, user: StaffUser | None = None) -> ApiCaller:
        return ApiCaller(client, user or create_staff(role))

    return make


@pytest.fixture(name="coordinator_api")
def coordinator_api_fixture(api_as) -> ApiCaller:
    return api_as(StaffRole.COORDINATOR)


def error_of(response) -> dict:
    """The API's error body, checked to have its stable shape."""
    body = response.get_json()
    assert set(body) >= {"error"}, body
    assert set(body["error"]) == {"code", "message", "field"}, body
    return body["error"]


@pytest.fixture(name="api_world")
def api_world_fixture(create_staff, create_mission, create_volunteer) -> dict:
    """Some of everything the API reaches, committed: {"token", "ids": {path param: id}}."""
    from coordinator.domain import animals, callouts, signups
    from coordinator.domain.audience import Audience
    from coordinator.models import Direction, Message
    from coordinator.timeutil import now_utc

    admin = create_staff(StaffRole.ADMIN)
    lead = create_staff(StaffRole.TEAM_LEAD)
    people = [create_volunteer(f"자원봉사자 {i}", skills=("handler", "driver")) for i in range(6)]
    mission = create_mission(
        roles={"Handler": "handler", "Driver": "driver"},
        shifts=[(7, 12), (13, 18)],
        capacity=3,
        team_leads=[lead],
        vehicles=[("승합차", 9, 12)],
    )
    # Cancelling a mission or moving its status on closes it: those get missions of their own.
    to_cancel, to_move_on = create_mission("To cancel", day=20), create_mission("To move", day=21)
    signup = signups.sign_up(people[0], mission.positions[0], source="sms")
    callout = callouts.create_callout(mission, audience=Audience(), is_urgent=True)
    callouts.run_wave(callout, now_utc())
    db.session.add(
        Message(
            direction=Direction.INBOUND,
            volunteer_id=people[1].id,
            phone=people[1].phone,
            body="B7 H AM",
            status="received",
        )
    )
    animal = animals.record_animal(mission, {"tag": "T-001", "species": "dog"}, by=lead)
    db.session.commit()
    ids = {
        "animal_id": animal.id,
        "skill": "driver",
        "mission_id": mission.id,
        "volunteer_id": people[1].id,
        "callout_id": callout.id,
        "role_id": mission.roles[1].id,
        "shift_id": mission.shifts[1].id,
        "vehicle_id": mission.vehicles[0].id,
        "signup_id": signup.id,
        "to_cancel": to_cancel.id,
        "to_move_on": to_move_on.id,
    }
    return {"token": issue_token(admin), "ids": ids}

"""Who sees which mission (domain/permissions.py), mission search (missions.search_missions)
and the first wave of a call-out (callouts.create_callout), through every door."""

import pytest
from sqlalchemy import func, select

import tasks.callouts
import tasks.sms  # noqa: F401
from coordinator.domain import callouts
from coordinator.domain.audience import Audience
from coordinator.extensions import db
from coordinator.models import Invitation, MissionStatus, StaffRole
from tests.support.api import api_as_fixture  # noqa: F401


@pytest.fixture
def two_missions(create_staff, create_mission):
    lead = create_staff(StaffRole.TEAM_LEAD, language="en")
    mine = create_mission("Mine", code="M1", team_leads=[lead])
    other = create_mission("Other", code="O1", day=5)
    return lead, mine, other


def test_a_team_lead_sees_only_the_missions_they_lead_through_every_door(
    app, client, login, api_as, two_missions
):
    lead, mine, other = two_missions
    api = api_as(user=lead)
    login(lead)
    pages = ("/missions/{id}", "/missions/{id}/roster", "/day/missions/{id}/shifts/{shift}")
    api_paths = ("/missions/{id}", "/missions/{id}/roster")

    for mission, allowed in ((mine, True), (other, False)):
        web = {
            client.get(p.format(id=mission.id, shift=mission.shifts[0].id)).status_code
            for p in pages
        }
        by_api = {api.get(p.format(id=mission.id)).status_code for p in api_paths}
        assert (web, by_api) == (({200}, {200}) if allowed else ({403}, {403}))
    board = client.get("/").get_data(as_text=True)
    listed = [m["code"] for m in api.get("/missions").get_json()["items"]]
    assert ("M1" in board, "O1" in board, listed) == (True, False, ["M1"])


@pytest.mark.parametrize(
    "web_query, api_query",
    [
        ("", "status=draft&status=recruiting&status=staffed&status=underway"),
        ("?status=draft", "?status=draft"),
        ("?kind=hoarding", "?kind=hoarding"),
        ("?status=all&from={d5}", "?from={d5}"),
        ("?status=all&to={d1}", "?to={d1}"),
    ],
)
def test_the_board_and_the_api_find_the_same_missions(
    app, client, login, create_staff, api_as, create_mission, web_query, api_query
):
    coordinator = create_staff(StaffRole.COORDINATOR, language="en")
    create_mission(code="A1", day=1)
    create_mission(code="B2", day=5, kind="hoarding")
    create_mission(code="C3", day=9, status=MissionStatus.DRAFT)
    create_mission(code="D4", day=2, status=MissionStatus.DONE)
    dates = {"d1": _local_date(1), "d5": _local_date(5)}
    login(coordinator)
    board = client.get("/" + web_query.format(**dates)).get_data(as_text=True)
    api_path = "/missions" + ("?" if not api_query.startswith("?") else "") + api_query
    listed = api_as(user=coordinator).get(api_path.format(**dates)).get_json()["items"]

    on_board = {code for code in ("A1", "B2", "C3", "D4") if f">{code}<" in board}
    assert on_board == {m["code"] for m in listed}
    assert on_board  # each filter here finds something


def _local_date(days: int) -> str:
    from coordinator.timeutil import to_local
    from tests.conftest import local_time

    return to_local(local_time(days, 12)).date().isoformat()


@pytest.mark.app_config(OUTBOX_DISPATCH="eager")
@pytest.mark.parametrize("door", ["web", "api", "domain"])
def test_every_door_sends_the_first_wave_once_the_call_out_is_committed(
    app, client, login, create_staff, csrf_token, api_as, create_mission, create_volunteer, door
):
    volunteers = [create_volunteer(f"v{i}") for i in range(3)]
    mission = create_mission(capacity=5)
    coordinator = create_staff(StaffRole.COORDINATOR)
    if door == "web":
        login(coordinator)
        page = client.get(f"/missions/{mission.id}/callouts/new")
        response = client.post(
            f"/missions/{mission.id}/callouts/new",
            data={
                "csrf_token": csrf_token(page),
                "wave_size": 10,
                "wave_interval_minutes": 5,
                "is_urgent": "y",
            },
        )
        assert response.status_code == 302
    elif door == "api":
        response = api_as(user=coordinator).post(
            f"/missions/{mission.id}/callouts", {"is_urgent": True, "wave_size": 10}
        )
        assert response.status_code == 201
    else:
        callouts.create_callout(mission, audience=Audience(), is_urgent=True, wave_size=10)
        db.session.commit()

    assert _invited() == len(volunteers)


@pytest.mark.app_config(OUTBOX_DISPATCH="eager")
def test_a_call_out_rolled_back_sends_nothing(app, create_mission, create_volunteer):
    create_volunteer()
    mission = create_mission(capacity=5)
    callouts.create_callout(mission, audience=Audience(), is_urgent=True)
    db.session.rollback()
    db.session.commit()
    assert _invited() == 0


def _invited() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Invitation))

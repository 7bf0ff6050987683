"""API lists cost the same number of SQL queries for a few rows as for many."""

import pytest

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import ExpectedAnimals, Message, SignupSource
from tests.support.queries import counted


def _fill(create_mission, create_volunteer, missions: int, people: int) -> int:
    first = None
    for i in range(missions):
        mission = create_mission(
            f"구조 {i}",
            roles={"Handler": None, "Driver": None},
            shifts=[(7, 12), (13, 18)],
            capacity=people,
            day=3 + i,
            vehicles=[("밴", 3, 10)],
        )
        mission.animals.append(ExpectedAnimals(species="dog", count=12))
        first = first or mission
    volunteer = None
    for i in range(people):
        volunteer = create_volunteer(f"봉사자{i}", skills=["handler", "driver"])
        signup = signups.sign_up(volunteer, first.positions[i % 4], source=SignupSource.SMS)
        signup.vehicle_id = first.vehicles[0].id if i % 2 else None
        db.session.add(
            Message(
                direction="out",
                volunteer_id=volunteer.id,
                phone=volunteer.phone,
                body="hello",
                status="sent",
            )
        )
        if i % 3 == 0:
            signups.cancel(signup)
    db.session.commit()
    return first.id


@pytest.mark.parametrize(
    "url",
    [
        "/missions?per_page=200",
        "/missions/{id}",
        "/missions/{id}/roster",
        "/volunteers?per_page=200",
        "/missions/{id}/callouts",
    ],
)
def test_a_list_costs_the_same_queries_for_few_and_many_rows(
    app, coordinator_api, create_mission, create_volunteer, url
):
    coordinator_api.get("/me")  # a token's first use is recorded once; not part of a list
    counts = []
    for missions, people in ((1, 2), (6, 30)):
        mission_id = _fill(create_mission, create_volunteer, missions, people)
        with counted() as statements:
            response = coordinator_api.get(url.format(id=mission_id))
        assert response.status_code == 200, response.json
        counts.append(len(statements))
    assert counts[0] == counts[1] > 0, counts

"""The board, a roster and a directory page cost a fixed number of SQL queries, any row count."""

import pytest

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import ExpectedAnimals, SignupSource, StaffRole
from tests.support.queries import counted

MAX_QUERIES = 20


@pytest.fixture
def coordinator(create_staff, login):
    user = create_staff(StaffRole.COORDINATOR)
    login(user)
    return user


def _fill(create_mission, create_volunteer, missions: int, people: int) -> int:
    """`missions` missions with two roles, shifts and a van; `people` signed up on the first."""
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
    for i in range(people):
        volunteer = create_volunteer(f"봉사자{i}", skills=["handler"], region="서울")
        signup = signups.sign_up(volunteer, first.positions[i % 4], source=SignupSource.SMS)
        if i % 3 == 0:
            signups.cancel(signup)
    db.session.commit()
    return first.id


def _queries(client, url: str) -> int:
    client.get(url)  # warm up: the login's user row, caches
    with counted() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("page", ["board", "roster", "directory", "volunteer"])
def test_a_page_costs_the_same_queries_for_few_rows_as_for_many(
    app, client, coordinator, create_mission, create_volunteer, page
):
    small_id = _fill(create_mission, create_volunteer, missions=2, people=3)
    urls = {
        "board": "/",
        "roster": f"/missions/{small_id}/roster",
        "directory": "/volunteers/?q=봉사자",
        "volunteer": "/volunteers/1",
    }
    few = _queries(client, urls[page])
    big_id = _fill(create_mission, create_volunteer, missions=12, people=40)
    urls["roster"] = f"/missions/{big_id}/roster"
    many = _queries(client, urls[page])
    assert many == few, f"{page}: {few} queries for few rows, {many} for many"
    assert many <= MAX_QUERIES

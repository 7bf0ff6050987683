"""The team lead's day page: emergency contacts behind a tap on the day, readiness flags."""

import pytest

from coordinator.extensions import db
from coordinator.models import StaffRole
from tests.support.mission_day import mission_day_fixture  # noqa: F401


def _page(client, day) -> str:
    return client.get(f"/day/missions/{day.mission.id}/shifts/{day.mission.shifts[0].id}").get_data(
        as_text=True
    )


@pytest.fixture
def today(mission_day):
    day = mission_day(names=("김민준", "이서연"), day=0, shifts=[(0, 23)])
    first = day.signups[0].volunteer
    first.emergency_name, first.emergency_phone = "김엄마", "+821077778888"
    db.session.commit()
    return day


def test_the_missions_team_lead_sees_the_emergency_contact_on_the_day(client, login, today):
    login(today.lead)
    html = _page(client, today)
    assert "data-emergency" in html and "김엄마" in html and "010-7777-8888" in html
    # Still no full number of a volunteer.
    assert today.signups[0].volunteer.phone[-8:] not in html.replace("77778888", "")


def test_before_the_day_there_is_no_emergency_contact(client, login, mission_day):
    day = mission_day(names=("김민준",), day=3)
    volunteer = day.signups[0].volunteer
    volunteer.emergency_name, volunteer.emergency_phone = "김엄마", "+821077778888"
    db.session.commit()
    login(day.lead)
    html = _page(client, day)
    assert "김엄마" not in html and "data-emergency" not in html


def test_another_team_lead_sees_nothing(client, login, today, create_staff):
    login(create_staff(StaffRole.TEAM_LEAD))
    response = client.get(f"/day/missions/{today.mission.id}/shifts/{today.mission.shifts[0].id}")
    assert response.status_code == 403 and "김엄마" not in response.get_data(as_text=True)


def test_a_missing_waiver_or_qualification_is_flagged(client, login, today):
    role = today.mission.roles[0]
    role.requires_waiver, role.required_skill = True, "large-animal"
    db.session.commit()
    login(today.lead)
    html = _page(client, today)
    assert html.count('data-flag="waiver"') == 2
    assert html.count('data-flag="skill"') == 2

"""Fixtures for mission-day tests: a mission with confirmed volunteers and its team lead."""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import Mission, SignupSource, StaffRole, StaffUser


@dataclass
class Day:
    mission: Mission
    lead: StaffUser
    signups: list  # confirmed, in the order the names were given


@pytest.fixture(name="mission_day")
def mission_day_fixture(create_mission, create_volunteer, create_staff):
    """mission_day(names=[...], day=0, shifts=[(7, 12)], **mission fields) -> Day.

    Everyone named is confirmed as a Handler in the first shift; a team lead leads it.
    """

    def make(names=("김민준", "이서연", "박지호"), *, language="ko", **fields) -> Day:
        lead = create_staff(StaffRole.TEAM_LEAD, name="정하늘")
        fields.setdefault("capacity", max(len(names), 1))
        fields.setdefault("day", 0)  # today: the day's attendance is open
        mission = create_mission(team_leads=[lead], **fields)
        position = mission.positions[0]
        booked = [
            signups.sign_up(
                create_volunteer(name, language=language),
                position,
                source=SignupSource.STAFF,  # booked the day before
                now=position.shift.starts_at - timedelta(days=1),
            )
            for name in names
        ]
        db.session.commit()
        return Day(mission, lead, booked)

    return make

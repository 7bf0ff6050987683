"""The attendance window (attendance.marking_window) through the day page and the API.

A team lead marks from ATTENDANCE_OPENS_MINUTES before a shift to ATTENDANCE_CLOSES_MINUTES
after it; outside that both doors refuse with the same words and record nothing. After it a
coordinator may still correct the record, and each correction is in the audit log.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import AttendanceEvent, AuditEntry, SignupSource, StaffRole
from coordinator.timeutil import now_utc
from tests.support.api import api_as_fixture  # noqa: F401

H = timedelta(hours=1)


@pytest.fixture
def shift_at(create_mission, create_volunteer, create_staff):
    """shift_at(start offset from now) -> (lead, signup): one confirmed handler, 4 h shift."""

    def make(offset: timedelta):
        lead = create_staff(StaffRole.TEAM_LEAD, language="en")
        mission = create_mission(team_leads=[lead], day=5)
        shift = mission.shifts[0]
        shift.starts_at = mission.starts_at = now_utc() + offset
        shift.ends_at = mission.ends_at = shift.starts_at + 4 * H
        signup = signups.sign_up(
            create_volunteer(),
            mission.positions[0],
            source=SignupSource.STAFF,
            now=shift.starts_at - 72 * H,
        )
        db.session.commit()
        return lead, signup

    return make


@pytest.fixture
def mark_by(client, login, csrf_token, api_as):
    """mark_by[door](user, signup, action) -> (status code, text of the answer)."""

    def web(user, signup, action):
        client.delete_cookie("session")  # log the previous user out
        login(user)
        page = client.get(f"/day/missions/{signup.mission_id}")
        token = (
            csrf_token(client.get(page.location)) if page.status_code == 302 else csrf_token(page)
        )
        response = client.post(
            f"/day/missions/{signup.mission_id}/signups/{signup.id}",
            data={"csrf_token": token, "action": action},
            headers={"Accept": "application/json"},
        )
        body = response.get_json() or {}
        return response.status_code, (body.get("error") or {}).get("message", "")

    def api(user, signup, action):
        response = api_as(user=user).post(
            f"/missions/{signup.mission_id}/roster/{signup.id}/attendance", {"action": action}
        )
        return response.status_code, (response.get_json().get("error") or {}).get("message", "")

    return {"day page": web, "api": api}


def _marks(signup) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(AttendanceEvent)
        .where(AttendanceEvent.signup_id == signup.id)
    )


def _corrections() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "correct")
    )


@pytest.mark.parametrize("door", ["day page", "api"])
def test_nobody_marks_a_shift_three_days_away(app, door, shift_at, mark_by, create_staff):
    lead, signup = shift_at(72 * H)
    for user in (lead, create_staff(StaffRole.COORDINATOR)):
        status, message = mark_by[door](user, signup, "no_show")
        assert status == 409 and message.startswith("Attendance for this shift opens at")
    assert _marks(signup) == 0


@pytest.mark.parametrize("door", ["day page", "api"])
def test_a_team_lead_marks_during_the_shift(app, door, shift_at, mark_by):
    lead, signup = shift_at(-H)
    assert mark_by[door](lead, signup, "check_in")[0] == 200
    assert (_marks(signup), _corrections()) == (1, 0)


@pytest.mark.parametrize("door", ["day page", "api"])
def test_after_the_window_a_team_lead_is_refused_and_a_coordinator_corrects_with_an_audit(
    app, door, shift_at, mark_by, create_staff
):
    lead, signup = shift_at(-30 * H)  # ended 26 hours ago

    status, message = mark_by[door](lead, signup, "no_show")
    assert status == 409 and "a coordinator can correct the record" in message
    assert _marks(signup) == 0

    coordinator = create_staff(StaffRole.COORDINATOR, language="en")
    assert mark_by[door](coordinator, signup, "excused")[0] == 200
    assert _marks(signup) == 1
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "correct"))
    assert entry.staff_user_id == coordinator.id and entry.changes["status"] == [None, "excused"]

"""Phones on the day: the team lead's row has one main action, a tap-to-call that never shows
the number, and the call goes through a logged redirect allowed on the mission's day only."""

import re
from datetime import timedelta

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import AuditEntry, StaffRole
from tests.support.mission_day import mission_day_fixture  # noqa: F401
from tests.support.raw_values import visible_text

PHONE = "+821055556666"


def _shift_url(day) -> str:
    return f"/day/missions/{day.mission.id}/shifts/{day.mission.shifts[0].id}"


def test_a_team_lead_sees_a_masked_number_that_calls_through_the_app(client, login, mission_day):
    day = mission_day(names=["김민준"], day=0)
    day.signups[0].volunteer.phone = PHONE
    db.session.commit()
    login(day.lead)

    html = client.get(_shift_url(day)).get_data(as_text=True)

    assert "55556666" not in html and "5555-6666" not in html
    assert "010-****-6666" in visible_text(html)
    call = re.search(r'<a class="tap button call" href="([^"]+)"', html).group(1)
    response = client.get(call)
    assert response.status_code == 303 and response.headers["Location"] == f"tel:{PHONE}"
    assert response.headers["Cache-Control"] == "no-store"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call"))
    assert entry.staff_user_id == day.lead.id
    assert entry.object_type == "volunteers" and entry.object_id == day.signups[0].volunteer_id


def test_the_call_link_works_only_on_the_mission_day(client, login, mission_day):
    day = mission_day(names=["김민준"], day=3)
    login(day.lead)

    response = client.get(f"/day/missions/{day.mission.id}/signups/{day.signups[0].id}/call")

    assert response.status_code == 302 and not response.headers["Location"].startswith("tel:")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call")) is None


def test_another_missions_team_lead_cannot_call_its_people(
    client, login, mission_day, create_staff
):
    day = mission_day(names=["김민준"], day=0)
    login(create_staff(StaffRole.TEAM_LEAD))

    response = client.get(f"/day/missions/{day.mission.id}/signups/{day.signups[0].id}/call")

    assert response.status_code == 403
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call")) is None


def test_a_signup_of_another_mission_is_not_found_through_this_one(
    client, login, mission_day, create_mission
):
    day = mission_day(names=["김민준"], day=0)
    other = mission_day(names=["이서연"], day=0)
    login(day.lead)

    url = f"/day/missions/{day.mission.id}/signups/{other.signups[0].id}/call"
    assert client.get(url).status_code == 404


def test_each_row_has_one_main_action_and_the_rest_behind_more(client, login, mission_day):
    day = mission_day(names=["김민준"], day=0)
    login(day.lead)

    html = client.get(_shift_url(day)).get_data(as_text=True)

    row = html.split('data-signup="')[1].split("</li>")[0]
    visible, hidden = row.split("<details", 1)
    assert re.findall(r'value="(\w+)" class="tap primary', visible) == ["check_in", "check_out"]
    for action in ("late", "no_show", "excused"):
        assert f'value="{action}"' in hidden and f'value="{action}"' not in visible
    assert "not-here" in html.split('data-signup="')[0].rsplit("<li", 1)[1]


def test_the_audit_log_says_who_called_whom(client, login, mission_day, create_staff):
    day = mission_day(names=["김민준"], day=0)
    login(day.lead)
    client.get(f"/day/missions/{day.mission.id}/signups/{day.signups[0].id}/call")
    other = client.application.test_client()
    admin = create_staff(StaffRole.ADMIN)
    from tests.conftest import PASSWORD
    from tests.support.helpers import csrf_token_in

    token = csrf_token_in(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})

    log = visible_text(other.get("/admin/audit").get_data(as_text=True))

    assert "정하늘 (Team lead) called the volunteer 김민준 from the mission day page" in log


def test_the_call_window_follows_the_local_day_not_utc(app, mission_day):
    from coordinator.domain import attendance
    from coordinator.timeutil import to_local

    day = mission_day(names=["김민준"], day=0)
    start = to_local(day.mission.starts_at).replace(hour=0, minute=5)
    number = attendance.number_to_call(day.lead, day.signups[0], at=start)
    assert number == day.signups[0].volunteer.phone
    try:
        attendance.number_to_call(day.lead, day.signups[0], at=start - timedelta(minutes=10))
    except attendance.NotTheDay:
        pass
    else:
        raise AssertionError("a call the evening before the mission was allowed")


def test_every_page_names_a_favicon_that_is_served(client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert client.get("/favicon.ico").status_code in (200, 301, 302, 308)

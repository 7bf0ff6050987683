"""The demo's farm closure, done: sixty dogs recorded one by one, the after-action report,
the shelter's animal CSV and the 1365 hours CSV."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from coordinator import demo
from coordinator.domain import animals, attendance, reports, signups, volunteer_hours
from coordinator.extensions import db
from coordinator.models import (
    Mission,
    MissionStatus,
    Signup,
    SignupSource,
    StaffRole,
    StaffUser,
    Volunteer,
)
from coordinator.timeutil import now_utc


def rows_of(response) -> list[dict]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def closed_farm(app):
    """The demo farm closure moved to yesterday: 60 dogs taken, four volunteers who came."""
    demo.load()
    db.session.commit()
    farm = db.session.scalar(select(Mission).where(Mission.code == "F1"))
    lead = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffRole.TEAM_LEAD))
    coordinator = db.session.scalar(
        select(StaffUser).where(StaffUser.role == StaffRole.COORDINATOR)
    )
    morning, afternoon = farm.shifts
    handler_am = next(
        p for p in farm.positions if p.shift_id == morning.id and p.role.sms_key == "H"
    )
    handler_pm = next(
        p for p in farm.positions if p.shift_id == afternoon.id and p.role.sms_key == "H"
    )
    people = [
        v
        for v in db.session.scalars(select(Volunteer).order_by(Volunteer.id))
        if "handler" in v.skill_names
    ][:4]
    people[0].portal_1365_id = "hong1365"
    for person in people:
        signups.sign_up(person, handler_am, source=SignupSource.STAFF)
    # The first one stays for the afternoon too: 11 hours on site, 8 credited.
    signups.sign_up(people[0], handler_pm, source=SignupSource.STAFF)
    db.session.commit()
    # Booked while it recruited; the day itself was yesterday (the demo holds it in 3 days).
    shift_back = timedelta(days=4)
    for shift in farm.shifts:
        shift.starts_at -= shift_back
        shift.ends_at -= shift_back
    farm.starts_at -= shift_back
    farm.ends_at -= shift_back
    db.session.commit()
    # The day's marks, entered afterwards by a coordinator (the team lead's window is over).
    for signup in [s for p in (handler_am, handler_pm) for s in signups_of(p)]:
        shift = signup.position.shift
        attendance.mark(signup, "check_in", by=coordinator, at=shift.starts_at)
        attendance.mark(signup, "check_out", by=coordinator, at=shift.ends_at)
    vans = farm.vehicles
    conditions = ["walking"] * 40 + ["needs_carrying"] * 12 + ["injured"] * 6 + ["critical"] * 2
    for n in range(60):
        van = vans[(n // 12) % 2]
        animal = animals.record_animal(
            farm,
            {
                "tag": f"F1-{n + 1:03d}",
                "species": "dog",
                "crate": str(n % 12 + 1),
                "vehicle_id": van.id,
                "condition": conditions[n],
                "sex": "female" if n % 2 else "male",
                "taken_at": morning.starts_at + timedelta(minutes=n),
            },
            by=lead,
        )
        # Each van load reaches its destination before the van goes back for the next.
        destination = "vet_clinic" if conditions[n] in ("injured", "critical") else "shelter"
        animals.correct_animal(
            animal,
            {
                "destination_kind": destination,
                "destination_name": "파주 보호소",
                "arrived_at": animal.taken_at + timedelta(hours=2),
            },
        )
    farm.status = MissionStatus.DONE
    db.session.commit()
    return farm


def signups_of(position) -> list:
    return list(db.session.scalars(select(Signup).where(Signup.position_id == position.id)))


def test_the_report_counts_sixty_dogs_by_condition_and_destination(closed_farm):
    report = reports.mission_report(closed_farm)
    assert report.animals_moved == 60
    summary = report.animal_summary
    assert summary.by_species == {"dog": 60}
    assert summary.by_condition == {
        "walking": 40,
        "needs_carrying": 12,
        "injured": 6,
        "critical": 2,
    }
    assert summary.by_destination == {"shelter": 52, "vet_clinic": 8}
    assert [report.moved_in(v) for v in closed_farm.vehicles] == [36, 24]


def test_the_report_page_shows_the_animals_in_korean(closed_farm, client, login):
    coordinator = db.session.scalar(
        select(StaffUser).where(StaffUser.role == StaffRole.COORDINATOR)
    )
    login(coordinator, demo.DEMO_PASSWORD)
    html = client.get(
        f"/reports/missions/{closed_farm.id}", headers={"Accept-Language": "ko"}
    ).get_data(as_text=True)
    assert "위독" in html and "동물병원" in html and "needs_carrying" not in html


def test_the_shelter_csv_has_one_row_per_animal_in_asm_columns(closed_farm, client, login):
    coordinator = db.session.scalar(
        select(StaffUser).where(StaffUser.role == StaffRole.COORDINATOR)
    )
    login(coordinator, demo.DEMO_PASSWORD)
    response = client.get(f"/reports/missions/{closed_farm.id}/animals.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = rows_of(response)
    assert len(rows) == 60
    first = rows[0]
    assert (first["ANIMALCODE"], first["ANIMALNAME"], first["ANIMALSEX"]) == (
        "F1-001",
        "F1-001",
        "Male",
    )
    # In the reader's language: the demo coordinator reads Korean, as a Korean shelter does.
    assert first["ANIMALSPECIES"] == "개" and first["ANIMALLOCATION"] == "파주 보호소"
    assert first["ANIMALENTRYDATE"]  # the day it arrived, YYYY-MM-DD
    injured = [r for r in rows if r["ANIMALHEALTHPROBLEMS"]]
    assert len(injured) == 8


def test_the_1365_csv_gives_a_row_per_volunteer_and_day_capped_at_eight_hours(
    closed_farm, client, login
):
    coordinator = db.session.scalar(
        select(StaffUser).where(StaffUser.role == StaffRole.COORDINATOR)
    )
    login(coordinator, demo.DEMO_PASSWORD)
    rows = rows_of(client.get(f"/reports/missions/{closed_farm.id}/1365.csv"))
    assert len(rows) == 4
    long_day = next(r for r in rows if r["1365 아이디"] == "hong1365")
    assert long_day["인정시간(분)"] == "480"  # 11 hours on site, 8 credited
    assert long_day["시작시각"] == "07:00" and long_day["종료시각"] == "18:00"
    others = [r for r in rows if r is not long_day]
    assert {r["인정시간(분)"] for r in others} == {"300"}
    assert all("개농장" in r["활동내용"] for r in rows)


def test_a_team_lead_cannot_download_the_hours(closed_farm, client, login):
    lead = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffRole.TEAM_LEAD))
    login(lead, demo.DEMO_PASSWORD)
    assert client.get(f"/reports/missions/{closed_farm.id}/1365.csv").status_code == 403


def test_coordinators_are_reminded_before_the_portal_deadline_until_marked(
    closed_farm, client, login, csrf_token
):
    deadline = volunteer_hours.entry_deadline(closed_farm)
    assert volunteer_hours.hours_to_enter(now_utc()) == []  # three months away
    soon = deadline - timedelta(days=10)
    assert volunteer_hours.hours_to_enter(soon) == [(closed_farm, deadline)]
    coordinator = db.session.scalar(
        select(StaffUser).where(StaffUser.role == StaffRole.COORDINATOR)
    )
    login(coordinator, demo.DEMO_PASSWORD)
    page = client.get(f"/reports/missions/{closed_farm.id}")
    response = client.post(
        f"/reports/missions/{closed_farm.id}/hours-entered", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    assert volunteer_hours.hours_to_enter(soon) == []


def test_a_volunteer_sees_their_own_days_and_hours(closed_farm):
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.portal_1365_id == "hong1365"))
    days = volunteer_hours.own_record(volunteer)
    assert [(d.minutes, d.roles) for d in days] == [(480, ("핸들러 Handler",))]

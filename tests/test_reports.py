"""The after-action report against a hand-built mission whose answers are known."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from coordinator.domain import attendance, audience, reports, signups
from coordinator.extensions import db
from coordinator.models import (
    Direction,
    Message,
    MessageStatus,
    SignupSource,
    StaffRole,
    Volunteer,
)

H = timedelta(hours=1)


@pytest.fixture
def rescued(create_mission, create_volunteer, create_staff):
    """Handlers and a driver over a 07-12 and a 12-17 shift, with a known outcome.

    AM handlers: A in 07:00-11:30 (4.5 h), B in at 07:15 never out (shift: 5 h), C no-show.
    AM driver: D late, in 08:00-12:00 (4 h). PM handlers: E excused, F cancelled late,
    G in 12:00-17:00 (5 h). Van moved 12 animals, the car 3. Total 18.5 h by 4 people.
    """
    lead = create_staff(StaffRole.TEAM_LEAD)
    mission = create_mission(
        roles={"Handler": "handler", "Driver": "driver"},
        shifts=[(7, 12), (12, 17)],
        capacity=3,
        day=-1,
        team_leads=[lead],
        vehicles=[("Van", 8, 12), ("Car", 4, 3)],
    )
    pos = {(p.role.name, p.shift.starts_at): p for p in mission.positions}
    am, pm = mission.shifts
    people = {}
    for name, role, shift in [
        ("A", "Handler", am),
        ("B", "Handler", am),
        ("C", "Handler", am),
        ("D", "Driver", am),
        ("E", "Handler", pm),
        ("F", "Handler", pm),
        ("G", "Handler", pm),
    ]:
        volunteer = create_volunteer(name, skills=["handler", "driver"])
        people[name] = signups.sign_up(  # booked the week before
            volunteer,
            pos[(role, shift.starts_at)],
            source=SignupSource.STAFF,
            now=mission.starts_at - 7 * 24 * H,
        )
    a, b, c, d, e, f, g = (people[n] for n in "ABCDEFG")
    mark = lambda s, action, at: attendance.mark(s, action, by=lead, at=at, now=at)  # noqa: E731
    mark(a, "check_in", am.starts_at)
    mark(a, "check_out", am.starts_at + 4.5 * H)
    mark(b, "check_in", am.starts_at + 0.25 * H)
    mark(c, "no_show", am.starts_at + H)
    mark(d, "late", am.starts_at)
    mark(d, "check_in", am.starts_at + H)
    mark(d, "check_out", am.ends_at)
    mark(e, "excused", pm.starts_at)
    signups.cancel(f)  # after the start, so well inside 24 h: a late cancellation
    mark(g, "check_in", pm.starts_at)
    mark(g, "check_out", pm.ends_at)
    van, car = mission.vehicles
    van.animals_moved, car.animals_moved = 12, 3
    for status, segments, kind in [(MessageStatus.DELIVERED, 2, "reminder")] * 3 + [
        (MessageStatus.SENT, 1, "callout"),
        (MessageStatus.FAILED, 4, "callout"),  # never reached the carrier: not billed
    ]:
        db.session.add(
            Message(
                direction=Direction.OUTBOUND,
                volunteer=a.volunteer,
                phone=a.volunteer.phone,
                body="x",
                kind=kind,
                status=status,
                segments=segments,
                mission_id=mission.id,
            )
        )
    db.session.add(
        Message(
            direction=Direction.INBOUND,
            phone="+821000000000",
            body="HERE",
            status=MessageStatus.RECEIVED,
            segments=1,
            mission_id=mission.id,
        )
    )
    db.session.commit()
    return mission, people


def test_the_report_counts_who_came_per_role_and_shift(app, rescued):
    mission, people = rescued
    report = reports.mission_report(mission)
    came = [(g.shift.name, g.role.name, g.came, len(g.rows)) for g in report.groups]
    assert came == [
        ("07-12", "Handler", 2, 3),
        ("07-12", "Driver", 1, 1),
        ("12-17", "Handler", 1, 2),
    ]
    assert sorted(r.signup.volunteer.name for r in report.attended) == ["A", "B", "D", "G"]


def test_hours_run_from_check_in_to_out_or_the_shift_length(app, rescued):
    mission, _ = rescued
    report = reports.mission_report(mission)
    hours = {r.signup.volunteer.name: r.hours for g in report.groups for r in g.rows}
    assert hours == {"A": 4.5, "B": 5.0, "C": 0.0, "D": 4.0, "E": 0.0, "G": 5.0}
    assert report.total_hours == 18.5


def test_no_shows_and_late_cancellations_are_listed(app, rescued):
    mission, _ = rescued
    report = reports.mission_report(mission)
    assert [s.volunteer.name for s in report.no_shows] == ["C"]
    assert [s.volunteer.name for s in report.late_cancels] == ["F"]


def test_animals_moved_and_message_costs(app, rescued):
    mission, _ = rescued
    report = reports.mission_report(mission)
    assert report.animals_moved == 15
    assert [(m.kind, m.count, m.segments) for m in report.messages] == [
        ("callout", 1, 1),
        ("reminder", 3, 6),
    ]
    assert report.messages_sent == 4
    # Priced per segment (the console stands in for Twilio), in won by default.
    assert report.message_cost == Decimal(app.config["SMS_PRICE_PER_SEGMENT"]) * 7


def test_volunteer_records_give_missions_hours_and_no_show_rate(app, rescued, create_volunteer):
    _, people = rescued
    newcomer = create_volunteer("신입")
    ids = [people[n].volunteer_id for n in "ACE"] + [newcomer.id]
    records = reports.volunteer_records(ids)
    a, c, e, new = (records[i] for i in ids)
    assert (a.missions_attended, a.hours, a.no_show_rate) == (1, 4.5, 0.0)
    assert (c.missions_attended, c.no_shows, c.no_show_rate) == (0, 1, 1.0)
    assert (e.shifts_attended, e.no_shows) == (0, 0)  # excused counts neither way
    assert new == reports.VolunteerRecord(0, 0, 0, 0.0)


def test_a_call_out_asks_attenders_first_then_newcomers_then_no_shows(
    app, rescued, create_volunteer
):
    # Through the ranking the call-out itself uses (audience.ranked), not a copy of the rule.
    _, people = rescued
    newcomer = create_volunteer("신입")
    a, c = people["A"].volunteer_id, people["C"].volunteer_id
    them = select(Volunteer).where(Volunteer.id.in_([c, newcomer.id, a]))

    order = [v.id for v in db.session.scalars(audience.ranked(them, set()))]

    assert order == [a, newcomer.id, c]


def test_the_report_page_shows_the_totals(client, login, create_staff, rescued):
    mission, _ = rescued
    login(create_staff(StaffRole.COORDINATOR))
    html = client.get(f"/reports/missions/{mission.id}").get_data(as_text=True)
    assert "18.5" in html and "₩525" in html  # 7 segments at ₩75, as a Korean reader writes it
    assert 'media="print"' in html and "print.css" in html


def test_the_printable_view_applies_the_print_stylesheet_on_screen(
    client, login, create_staff, rescued
):
    mission, _ = rescued
    login(create_staff(StaffRole.COORDINATOR))
    html = client.get(f"/reports/missions/{mission.id}/print").get_data(as_text=True)
    assert 'media="all"' in html and "printable" in html


def test_the_csv_lists_every_confirmed_person_with_hours(client, login, create_staff, rescued):
    import csv
    import io

    mission, _ = rescued
    login(create_staff(StaffRole.COORDINATOR))
    response = client.get(f"/reports/missions/{mission.id}.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["volunteer"]: float(r["hours"]) for r in rows} == {
        "A": 4.5,
        "B": 5.0,
        "C": 0.0,
        "D": 4.0,
        "E": 0.0,
        "G": 5.0,
    }


def test_a_team_lead_of_another_mission_cannot_read_the_report(
    client, login, create_staff, rescued
):
    mission, _ = rescued
    login(create_staff(StaffRole.TEAM_LEAD))
    assert client.get(f"/reports/missions/{mission.id}").status_code == 403
    assert client.get(f"/reports/missions/{mission.id}.csv").status_code == 403


def test_the_thank_you_sms_goes_once_to_everyone_who_came(
    client, login, csrf_token, create_staff, rescued
):
    from sqlalchemy import select

    mission, people = rescued
    login(create_staff(StaffRole.COORDINATOR))
    token = csrf_token(client.get(f"/reports/missions/{mission.id}"))
    for _ in range(2):
        client.post(f"/reports/missions/{mission.id}/thank-you", data={"csrf_token": token})
    sent = db.session.scalars(select(Message).where(Message.kind == "thank_you")).all()
    assert sorted(m.volunteer.name for m in sent) == ["A", "B", "D", "G"]
    assert all("15" in m.body for m in sent)  # animals moved


def test_a_team_lead_cannot_send_the_thank_you(client, login, csrf_token, rescued):
    from sqlalchemy import func, select

    mission, _ = rescued
    login(mission.team_leads[0])
    token = csrf_token(client.get(f"/reports/missions/{mission.id}"))
    response = client.post(f"/reports/missions/{mission.id}/thank-you", data={"csrf_token": token})
    assert response.status_code == 403
    count = db.session.scalar(
        select(func.count()).select_from(Message).where(Message.kind == "thank_you")
    )
    assert count == 0


def test_no_thank_you_before_the_mission_has_happened(app, mission_day):
    from coordinator.errors import Conflict

    day = mission_day(day=3)
    with pytest.raises(Conflict, match="not started"):
        reports.send_thank_yous(day.mission)

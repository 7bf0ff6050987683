"""Attendance on the day: team-lead marks, self check-in, walk-ins, no-shows, headcount."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coordinator.domain import attendance, permissions, signups
from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Attendance,
    AttendanceEvent,
    AttendanceStatus,
    Message,
    Position,
    Signup,
    SignupSource,
    SignupStatus,
    StaffRole,
)


def shift_of(day):
    return day.mission.shifts[0]


def test_a_team_lead_checks_a_volunteer_in_and_out(app, mission_day):
    day = mission_day()
    start = shift_of(day).starts_at
    signup = day.signups[0]
    attendance.mark(signup, "check_in", by=day.lead, at=start - timedelta(minutes=10))
    attendance.mark(signup, "check_out", by=day.lead, at=start + timedelta(hours=4))
    db.session.commit()
    row = signup.attendance
    assert row.status == AttendanceStatus.PRESENT
    assert row.checked_out_at - row.checked_in_at == timedelta(hours=4, minutes=10)
    assert row.marked_by_id == day.lead.id


def test_checking_out_someone_never_checked_in_is_refused_and_changes_nothing(app, mission_day):
    day = mission_day()
    with pytest.raises(Conflict, match="check this person in"):
        attendance.mark(day.signups[0], "check_out", by=day.lead)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AttendanceEvent)) == 0


def test_an_unknown_action_is_a_validation_error(app, mission_day):
    day = mission_day()
    with pytest.raises(ValidationError):
        attendance.mark(day.signups[0], "teleported", by=day.lead)


def test_someone_marked_late_who_then_arrives_stays_late_but_is_on_site(app, mission_day):
    day = mission_day()
    signup = day.signups[0]
    attendance.mark(signup, "late", by=day.lead)
    attendance.mark(signup, "check_in", by=day.lead)
    assert signup.attendance.status == AttendanceStatus.LATE
    assert attendance.on_site(signup)


def test_the_last_mark_wins_and_every_mark_is_kept_in_the_history(app, mission_day, create_staff):
    day = mission_day()
    other_lead = create_staff(StaffRole.TEAM_LEAD)
    signup = day.signups[0]
    attendance.mark(signup, "no_show", by=day.lead)
    attendance.mark(signup, "check_in", by=other_lead)
    db.session.commit()
    assert signup.attendance.status == AttendanceStatus.LATE  # arrived after being missed
    assert signup.attendance.marked_by_id == other_lead.id
    events = attendance.history(signup)
    assert [(e.action, e.marked_by_id) for e in events] == [
        ("no_show", day.lead.id),
        ("check_in", other_lead.id),
    ]


def _race(app, signup_id, lead_ids, actions):
    barrier = threading.Barrier(len(actions))
    errors = []

    def tap(lead_id, action):
        with app.app_context():
            try:
                from coordinator.models import StaffUser

                signup = db.session.get(Signup, signup_id)
                lead = db.session.get(StaffUser, lead_id)
                barrier.wait(timeout=10)
                attendance.mark(signup, action, by=lead)
                db.session.commit()
            except Exception as error:  # reported below, a thread cannot fail the test
                errors.append(error)
            finally:
                db.session.remove()

    pairs = zip(lead_ids, actions, strict=True)
    threads = [threading.Thread(target=tap, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_two_team_leads_marking_the_same_person_at_once_both_land_in_the_history(
    any_db_app, mission_day, create_staff
):
    day = mission_day()
    second = create_staff(StaffRole.TEAM_LEAD)
    signup_id = day.signups[0].id
    errors = _race(any_db_app, signup_id, [day.lead.id, second.id], ["check_in", "no_show"])
    assert errors == []
    db.session.expire_all()
    rows = db.session.scalars(select(Attendance).where(Attendance.signup_id == signup_id)).all()
    events = db.session.scalars(
        select(AttendanceEvent)
        .where(AttendanceEvent.signup_id == signup_id)
        .order_by(AttendanceEvent.id)
    ).all()
    assert len(rows) == 1 and len(events) == 2
    # Last write wins: the row shows whichever mark committed last.
    last = events[-1]
    assert rows[0].marked_by_id == last.marked_by_id
    assert rows[0].status == last.status


def test_a_volunteer_checks_in_by_sms_inside_the_window(app, mission_day):
    day = mission_day()
    start = shift_of(day).starts_at
    signup = attendance.self_check_in(
        day.signups[1].volunteer, via="sms", at=start - timedelta(minutes=45)
    )
    db.session.commit()
    assert signup.id == day.signups[1].id
    assert signup.attendance.status == AttendanceStatus.PRESENT
    assert signup.attendance.marked_via == "sms"


def test_checking_in_twice_keeps_the_first_time(app, mission_day):
    day = mission_day()
    start = shift_of(day).starts_at
    volunteer = day.signups[0].volunteer
    attendance.self_check_in(volunteer, via="sms", at=start - timedelta(minutes=30))
    signup = attendance.self_check_in(volunteer, via="web", at=start)
    assert signup.attendance.checked_in_at == start - timedelta(minutes=30)
    assert len(attendance.history(signup)) == 1


def test_self_check_in_too_early_says_when_it_opens_in_the_volunteers_language(app, mission_day):
    day = mission_day(names=["Alex"], language="en")
    start = shift_of(day).starts_at
    with pytest.raises(attendance.CheckInClosed, match="Check-in opens at") as refused:
        attendance.self_check_in(day.signups[0].volunteer, via="sms", at=start - timedelta(hours=3))
    assert "06:00" in refused.value.message  # an hour before the 07:00 shift, local time
    assert day.signups[0].attendance is None


def test_self_check_in_after_the_shift_ended_is_refused(app, mission_day):
    day = mission_day()
    end = shift_of(day).ends_at
    with pytest.raises(attendance.CheckInClosed):
        attendance.self_check_in(day.signups[0].volunteer, via="sms", at=end + timedelta(minutes=1))


@pytest.mark.app_config(CHECK_IN_OPENS_MINUTES=180)
def test_the_check_in_window_is_configurable(app, mission_day):
    day = mission_day()
    start = shift_of(day).starts_at
    signup = attendance.self_check_in(
        day.signups[0].volunteer, via="sms", at=start - timedelta(hours=2, minutes=50)
    )
    assert signup.attendance.checked_in_at is not None


def test_a_volunteer_with_no_shift_cannot_check_in(app, create_volunteer):
    with pytest.raises(attendance.CheckInClosed):
        attendance.self_check_in(create_volunteer(), via="sms")


def test_unchecked_volunteers_become_no_shows_after_the_grace_period(app, mission_day):
    day = mission_day()
    start = shift_of(day).starts_at
    arrived, missing, _ = day.signups
    attendance.mark(arrived, "check_in", by=day.lead, at=start)
    assert attendance.mark_no_shows(now=start + timedelta(minutes=29)) == 0
    assert attendance.mark_no_shows(now=start + timedelta(minutes=31)) == 2
    db.session.commit()
    assert missing.attendance.status == AttendanceStatus.NO_SHOW
    assert missing.attendance.marked_via == "auto"
    assert arrived.attendance.status == AttendanceStatus.PRESENT
    assert attendance.mark_no_shows(now=start + timedelta(minutes=40)) == 0  # once


def test_a_team_lead_corrects_an_automatic_no_show(app, mission_day):
    day = mission_day()
    start = shift_of(day).starts_at
    attendance.mark_no_shows(now=start + timedelta(hours=1))
    signup = day.signups[0]
    attendance.mark(signup, "check_in", by=day.lead, at=start + timedelta(hours=1))
    db.session.commit()
    assert signup.attendance.status == AttendanceStatus.LATE
    assert [e.marked_via for e in attendance.history(signup)] == ["auto", "staff"]


def test_a_volunteer_marked_no_show_can_still_check_themselves_in_late(app, mission_day):
    day = mission_day()
    start = shift_of(day).starts_at
    attendance.mark_no_shows(now=start + timedelta(minutes=31))
    signup = attendance.self_check_in(
        day.signups[0].volunteer, via="sms", at=start + timedelta(minutes=50)
    )
    assert signup.attendance.status == AttendanceStatus.LATE


def test_a_walk_in_is_added_to_a_full_position_and_checked_in(app, mission_day):
    day = mission_day()
    position = day.mission.positions[0]
    assert position.is_full
    walk_in = attendance.add_walk_in(position, name="최유나", phone="010-9876-5432", by=day.lead)
    db.session.commit()
    db.session.refresh(position)
    signup = walk_in.signup
    assert walk_in.checked_in
    assert signup.source == SignupSource.WALK_IN
    assert signup.status == SignupStatus.CONFIRMED
    assert signup.volunteer.phone == "+821098765432"
    assert signup.attendance.status == AttendanceStatus.PRESENT
    assert (position.filled, position.capacity) == (4, 4)  # grew by one for them


def test_a_skill_a_team_lead_records_waits_for_a_coordinator(app, mission_day, create_staff):
    day = mission_day(capacity=5)
    by_lead = attendance.add_walk_in(
        day.mission.positions[0], name="최유나", phone="010-9876-5432", by=day.lead
    ).signup
    by_coordinator = attendance.add_walk_in(
        day.mission.positions[0],
        name="강하늘",
        phone="010-9876-1111",
        by=create_staff(StaffRole.COORDINATOR),
    ).signup
    assert [(s.skill, s.is_verified) for s in by_lead.volunteer.skills] == [("handler", False)]
    assert not by_lead.volunteer.has_skill("handler")  # no SMS booking as a handler yet
    assert by_lead.attendance.status == AttendanceStatus.PRESENT  # but here today
    assert by_coordinator.volunteer.has_skill("handler")


def test_a_team_leads_walk_in_with_a_number_on_file_asks_its_owner_and_names_nobody(
    app, mission_day, create_volunteer
):
    day = mission_day(capacity=5)
    known = create_volunteer("한지민", phone="+821055556666", skills=())
    walk_in = attendance.add_walk_in(
        day.mission.positions[0], name="Someone else", phone="010-5555-6666", by=day.lead
    )
    db.session.commit()
    assert not walk_in.checked_in
    signup = walk_in.signup
    assert signup.volunteer.id == known.id and known.name == "한지민"  # the name is not swapped
    assert signup.status == SignupStatus.OFFERED and signup.attendance is None
    assert not known.has_skill("handler")
    asked = db.session.scalar(select(Message).where(Message.volunteer_id == known.id))
    assert "+821055556666" == asked.phone and "/v/" in asked.body
    assert signup not in attendance.shift_roster(day.mission, shift_of(day))

    signups.accept_offer(signup)  # they reply YES from their own phone
    db.session.commit()
    assert signup in attendance.shift_roster(day.mission, shift_of(day))


def test_a_coordinator_is_told_whose_number_it_is_and_asked_before_checking_in(
    app, mission_day, create_volunteer, create_staff
):
    day = mission_day(capacity=5)
    coordinator = create_staff(StaffRole.COORDINATOR)
    known = create_volunteer("한지민", phone="+821055556666")
    with pytest.raises(attendance.NumberOnFile, match="한지민") as asked:
        attendance.add_walk_in(
            day.mission.positions[0], name="Someone else", phone="010-5555-6666", by=coordinator
        )
    db.session.rollback()
    assert asked.value.volunteer.id == known.id
    assert db.session.scalar(select(func.count()).select_from(Signup)) == 3

    walk_in = attendance.add_walk_in(
        day.mission.positions[0],
        name="Someone else",
        phone="010-5555-6666",
        by=coordinator,
        confirmed_volunteer_id=known.id,
    )
    assert walk_in.checked_in and walk_in.signup.volunteer.name == "한지민"
    position = db.session.get(Position, day.mission.positions[0].id)
    assert position.capacity == 5


def test_a_walk_in_with_a_bad_phone_is_refused_and_nothing_is_written(app, mission_day):
    day = mission_day()
    with pytest.raises(ValidationError, match="phone"):
        attendance.add_walk_in(day.mission.positions[0], name="최유나", phone="12", by=day.lead)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Signup)) == 3


def test_headcount_counts_present_against_expected_per_role(
    app, create_mission, create_volunteer, mission_day
):
    day = mission_day(roles={"Handler": "handler", "Driver": None}, capacity=3)
    driver_position = next(p for p in day.mission.positions if p.role.name == "Driver")
    from coordinator.domain import signups

    driver = signups.sign_up(create_volunteer("운전"), driver_position, source=SignupSource.STAFF)
    attendance.mark(day.signups[0], "check_in", by=day.lead)
    attendance.mark(day.signups[1], "excused", by=day.lead)
    attendance.mark(driver, "check_in", by=day.lead)
    db.session.commit()
    roster = attendance.shift_roster(day.mission, shift_of(day))
    counts = {(h.role, h.present, h.expected) for h in attendance.headcount(roster)}
    assert counts == {("Handler", 1, 2), ("Driver", 1, 1)}


def test_roll_call_lists_everyone_on_site_and_not_those_who_left(app, mission_day):
    day = mission_day()
    first, second, third = day.signups
    attendance.mark(first, "check_in", by=day.lead)
    attendance.mark(second, "check_in", by=day.lead)
    attendance.mark(second, "check_out", by=day.lead)
    attendance.mark(third, "no_show", by=day.lead)
    db.session.commit()
    assert [s.id for s in attendance.roll_call(day.mission)] == [first.id]


def test_only_the_missions_own_team_leads_and_coordinators_may_manage_it(
    app, mission_day, create_staff
):
    day = mission_day()
    assert permissions.can_manage(day.lead, day.mission)
    assert permissions.can_manage(create_staff(StaffRole.COORDINATOR), day.mission)
    assert not permissions.can_manage(create_staff(StaffRole.TEAM_LEAD), day.mission)

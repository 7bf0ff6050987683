"""Reminders: the right one at the right time, once, never in quiet hours or after the start."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coordinator.domain import reminders, signups
from coordinator.extensions import db
from coordinator.models import Message, SignupSource
from coordinator.sms.segments import count_segments
from coordinator.timeutil import now_utc

# Seoul is UTC+9 all year: 2031-03-12 10:00 local is 2031-03-12 01:00 UTC.
SEOUL_1000 = datetime(2031, 3, 12, 1, 0, tzinfo=UTC)


def move_shift(day, starts_at: datetime, hours: int = 5) -> None:
    """Put the mission's only shift at an exact moment (the creators use 'days from now')."""
    shift = day.mission.shifts[0]
    shift.starts_at, shift.ends_at = starts_at, starts_at + timedelta(hours=hours)
    day.mission.starts_at, day.mission.ends_at = shift.starts_at, shift.ends_at
    db.session.commit()


def outbox() -> list[Message]:
    return list(db.session.scalars(select(Message).order_by(Message.id)))


def keys() -> list[str]:
    return [m.idempotency_key for m in outbox()]


@pytest.fixture
def booked(mission_day):
    """One confirmed volunteer in a 10:00 Seoul shift on 2031-03-12."""
    day = mission_day(names=["김민준"], what_to_bring="장화, 장갑")
    move_shift(day, SEOUL_1000)
    return day


def test_the_day_before_reminder_goes_at_18_00_local_time_the_evening_before(app, booked):
    signup = booked.signups[0]
    six_pm = datetime(2031, 3, 11, 9, 0, tzinfo=UTC)  # 18:00 in Seoul
    assert reminders.send_due_reminders(now=six_pm - timedelta(minutes=1)) == 0
    assert reminders.send_due_reminders(now=six_pm) == 1
    db.session.commit()
    assert keys() == [f"reminder:day_before:{signup.id}"]


def test_the_reminder_says_when_where_who_leads_what_to_bring_and_how_to_cancel(app, booked):
    reminders.send_due_reminders(now=datetime(2031, 3, 11, 9, 5, tzinfo=UTC))
    body = outbox()[0].body
    for expected in (
        "내일 10:00",
        "수원역 4번 출구",
        "팀장: 정하늘",
        "장화, 장갑",
        "'취소' 답장",
        "https://rescue.example.org/v/",
    ):
        assert expected in body
    assert count_segments(body).segments <= 2


def test_the_same_day_reminder_goes_two_hours_before_the_shift(app, booked):
    signup = booked.signups[0]
    reminders.send_due_reminders(now=datetime(2031, 3, 11, 9, 0, tzinfo=UTC))
    assert reminders.send_due_reminders(now=SEOUL_1000 - timedelta(hours=2, minutes=1)) == 0
    assert reminders.send_due_reminders(now=SEOUL_1000 - timedelta(hours=2)) == 1
    assert keys() == [f"reminder:day_before:{signup.id}", f"reminder:same_day:{signup.id}"]
    assert "오늘 10:00" in outbox()[1].body


def test_running_the_sweep_again_sends_nothing_twice(app, booked):
    moment = SEOUL_1000 - timedelta(hours=1)
    assert reminders.send_due_reminders(now=moment) == 1
    db.session.commit()
    assert reminders.send_due_reminders(now=moment) == 0
    assert reminders.send_due_reminders(now=moment + timedelta(minutes=5)) == 0
    assert len(outbox()) == 1


def test_nothing_is_sent_once_the_shift_has_started(app, booked):
    assert reminders.send_due_reminders(now=SEOUL_1000 + timedelta(minutes=1)) == 0
    assert outbox() == []


def test_a_sweep_that_was_down_sends_only_the_reminder_still_useful(app, booked):
    # Beat was down from the afternoon before until 40 minutes before the start.
    assert reminders.send_due_reminders(now=SEOUL_1000 - timedelta(minutes=40)) == 1
    assert keys() == [f"reminder:same_day:{booked.signups[0].id}"]
    assert outbox()[0].validity_seconds == 40 * 60  # the carrier drops it after the start


def test_opted_out_volunteers_get_no_reminder(app, booked):
    booked.signups[0].volunteer.opted_out_at = now_utc()
    db.session.commit()
    assert reminders.send_due_reminders(now=SEOUL_1000 - timedelta(hours=1)) == 0


def test_cancelled_signups_get_no_reminder(app, booked):
    signups.cancel(booked.signups[0])
    db.session.commit()
    assert reminders.send_due_reminders(now=SEOUL_1000 - timedelta(hours=1)) == 0


def test_a_same_day_reminder_due_in_quiet_hours_waits_until_they_end(app, mission_day):
    day = mission_day(names=["김민준"])
    # Quiet hours are 21:00-08:00 by default (정보통신망법 art. 50).
    nine_am = datetime(2031, 3, 12, 0, 0, tzinfo=UTC)  # 09:00 Seoul; due 07:00 (quiet)
    move_shift(day, nine_am)
    assert reminders.send_due_reminders(now=nine_am - timedelta(hours=2)) == 0
    assert reminders.send_due_reminders(now=nine_am - timedelta(minutes=61)) == 0
    assert reminders.send_due_reminders(now=nine_am - timedelta(minutes=60)) == 1  # 08:00


def test_a_mission_at_one_in_the_morning_is_reminded_across_the_day_boundary(app, mission_day):
    day = mission_day(names=["김민준"])
    one_am = datetime(2031, 3, 12, 16, 0, tzinfo=UTC)  # 2031-03-13 01:00 Seoul
    move_shift(day, one_am)
    signup = day.signups[0]
    # The day before is the 12th: 18:00 Seoul, seven hours before the start.
    assert reminders.send_due_reminders(now=datetime(2031, 3, 12, 8, 59, tzinfo=UTC)) == 0
    assert reminders.send_due_reminders(now=datetime(2031, 3, 12, 9, 0, tzinfo=UTC)) == 1
    # Two hours before is 23:00, inside quiet hours, but so is the start: it is sent.
    assert reminders.send_due_reminders(now=one_am - timedelta(hours=2)) == 1
    assert keys() == [f"reminder:day_before:{signup.id}", f"reminder:same_day:{signup.id}"]
    assert all("내일 01:00" in m.body for m in outbox())


@pytest.mark.app_config(TIMEZONE="America/Los_Angeles")
def test_the_evening_before_is_the_organisations_evening_in_its_own_time_zone(app, mission_day):
    day = mission_day(names=["Alex"], language="en")
    # 2031-03-12 07:00 in Los Angeles (PDT, UTC-7) is 14:00 UTC.
    move_shift(day, datetime(2031, 3, 12, 14, 0, tzinfo=UTC))
    six_pm_la = datetime(2031, 3, 12, 1, 0, tzinfo=UTC)  # 2031-03-11 18:00 PDT
    assert reminders.send_due_reminders(now=six_pm_la - timedelta(minutes=1)) == 0
    assert reminders.send_due_reminders(now=six_pm_la) == 1
    assert "tomorrow 07:00" in outbox()[0].body


@pytest.mark.app_config(REMINDER_DAY_BEFORE_AT="20:30", REMINDER_SAME_DAY_MINUTES=90)
def test_the_reminder_times_are_configurable(app, booked):
    assert reminders.send_due_reminders(now=datetime(2031, 3, 11, 11, 29, tzinfo=UTC)) == 0
    assert reminders.send_due_reminders(now=datetime(2031, 3, 11, 11, 30, tzinfo=UTC)) == 1
    assert reminders.send_due_reminders(now=SEOUL_1000 - timedelta(minutes=91)) == 0
    assert reminders.send_due_reminders(now=SEOUL_1000 - timedelta(minutes=90)) == 1


def test_waitlisted_volunteers_get_a_waitlist_note_the_day_before(app, booked, create_volunteer):
    waiting = signups.sign_up(
        create_volunteer("대기자"), booked.mission.positions[0], source=SignupSource.SMS
    )
    db.session.commit()
    reminders.send_due_reminders(now=datetime(2031, 3, 11, 9, 0, tzinfo=UTC))
    by_key = {m.idempotency_key: m for m in outbox()}
    note = by_key[f"reminder:waitlisted:{waiting.id}"]
    assert "대기" in note.body
    # The waitlist note is one message, not repeated on the day.
    reminders.send_due_reminders(now=SEOUL_1000 - timedelta(hours=2))
    assert sum(1 for k in keys() if k.endswith(f":{waiting.id}")) == 1


@pytest.mark.app_config(QUIET_HOURS="00:00-00:00")
def test_the_beat_task_queues_due_reminders_and_commits(app, mission_day):
    from tasks.reminders import send_due_reminders

    day = mission_day(names=["김민준"])
    move_shift(day, now_utc().replace(microsecond=0) + timedelta(minutes=90))
    assert send_due_reminders() == 1
    db.session.rollback()  # what the task committed stays
    assert keys() == [f"reminder:same_day:{day.signups[0].id}"]

"""Retention: an inactive volunteer is warned, then erased on schedule (moved clock)."""

from datetime import timedelta

from sqlalchemy import func, select

from coordinator.domain import attendance, consents, retention, signups
from coordinator.extensions import db
from coordinator.models import Message, Signup, SignupSource, StaffRole
from coordinator.timeutil import now_utc


def test_an_inactive_volunteer_is_warned_then_erased_and_the_counts_stay(
    app, create_volunteer, create_mission, create_staff
):
    lead = create_staff(StaffRole.TEAM_LEAD)
    old = create_volunteer("오래된 봉사자", phone="+821044440000")
    mission = create_mission(day=-1, team_leads=[lead])
    # Booked while the mission recruited (a day earlier), checked in on the day.
    booked_at = mission.starts_at - timedelta(days=1)
    came = signups.sign_up(old, mission.positions[0], source=SignupSource.STAFF, now=booked_at)
    # Marked afterwards by a coordinator (the team lead's window for that day has closed).
    attendance.mark(came, "check_in", by=create_staff(StaffRole.COORDINATOR), at=mission.starts_at)
    db.session.commit()
    active = create_volunteer("활동 중", phone="+821044441111")
    start = now_utc()
    # 731 days later: both were last active at start; `active` renews consent on day 700.
    consents.record_consent(
        active, channel="personal", optional_items=[], now=start + timedelta(days=700)
    )
    later = start + timedelta(days=731)
    run = retention.apply_retention(later)
    db.session.commit()
    assert (run.warned, run.erased) == (1, 0)
    warning = db.session.scalar(
        select(Message.body).where(Message.volunteer_id == old.id, Message.kind == "privacy")
    )
    assert "삭제" in warning and "/v/" in warning
    assert retention.apply_retention(later + timedelta(days=1)).warned == 0  # warned once
    # Not yet: 29 days after the warning.
    assert retention.apply_retention(later + timedelta(days=29)).erased == 0
    run = retention.apply_retention(later + timedelta(days=31))
    db.session.commit()
    assert run.erased == 1
    db.session.refresh(old)
    assert old.erased_at is not None and old.name != "오래된 봉사자"
    assert old.phone != "+821044440000"
    # The after-action counts stay: the signup and its attendance are still there.
    assert db.session.scalar(select(func.count()).select_from(Signup)) == 1
    assert db.session.get(Signup, came.id).attendance.status is not None
    db.session.refresh(active)
    assert active.erased_at is None


def test_activity_after_the_warning_calls_the_erasure_off(app, create_volunteer):
    volunteer = create_volunteer("돌아온 봉사자")
    later = now_utc() + timedelta(days=740)
    retention.apply_retention(later)
    consents.record_consent(
        volunteer, channel="personal", optional_items=[], now=later + timedelta(days=3)
    )
    run = retention.apply_retention(later + timedelta(days=40))
    db.session.commit()
    assert (run.kept, run.erased) == (1, 0)
    db.session.refresh(volunteer)
    assert volunteer.erased_at is None and volunteer.retention_warned_at is None


def test_beat_runs_retention_as_a_task(app, create_volunteer):
    from tasks.readiness import apply_retention

    create_volunteer("새 봉사자")
    assert apply_retention.run() == 0  # nobody is old enough

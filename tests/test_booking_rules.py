"""Booking rules around the waitlist: held places, their expiry, and acting on a signup once."""

from datetime import timedelta

from sqlalchemy import select, update

from coordinator.domain import signups
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import (
    ConversationState,
    Message,
    MissionStatus,
    Position,
    Signup,
    SignupSource,
    SignupStatus,
)
from coordinator.timeutil import now_utc
from tasks.conversation import expire_offers, forget_stale_menus

SMS = SignupSource.SMS


def waitlisted_line(create_mission, create_volunteer, waiting: int = 2):
    position = create_mission(code="B7", capacity=1, day=5).positions[0]
    booked = signups.sign_up(create_volunteer("가"), position, source=SMS)
    queue = [
        signups.sign_up(create_volunteer(f"대기{i}"), position, source=SMS) for i in range(waiting)
    ]
    db.session.commit()
    return position, booked, queue


def messages_to(signup: Signup) -> list[str]:
    return list(
        db.session.scalars(
            select(Message.body)
            .where(Message.volunteer_id == signup.volunteer_id)
            .order_by(Message.id)
        )
    )


def test_a_freed_place_is_held_for_the_first_waitlisted_who_is_told_once(
    app, create_mission, create_volunteer
):
    position, booked, (first, second) = waitlisted_line(create_mission, create_volunteer)

    signups.cancel(booked)
    signups.cancel(booked)  # a second door cancelling the same signup does nothing more
    db.session.commit()

    assert first.status == SignupStatus.OFFERED and second.status == SignupStatus.WAITLISTED
    assert len(messages_to(first)) == 1 and "자리가 났어요" in messages_to(first)[0]
    assert messages_to(second) == []
    assert db.session.get(Position, position.id).filled == 1


def test_the_expiry_sweep_passes_a_held_place_on_and_tells_both(
    app, create_mission, create_volunteer
):
    position, booked, (first, second) = waitlisted_line(create_mission, create_volunteer)
    signups.cancel(booked)
    db.session.execute(
        update(Signup)
        .where(Signup.id == first.id)
        .values(offer_expires_at=now_utc() - timedelta(minutes=1))
    )
    db.session.commit()

    assert expire_offers.run() == 1

    db.session.expire_all()
    assert first.status == SignupStatus.WAITLISTED and second.status == SignupStatus.OFFERED
    assert "다음 분께" in messages_to(first)[-1]
    assert "자리가 났어요" in messages_to(second)[0]
    assert db.session.get(Position, position.id).filled == 1
    assert expire_offers.run() == 0  # nothing due any more


def test_an_expired_offer_with_nobody_else_waiting_frees_the_place(
    app, create_mission, create_volunteer
):
    position, booked, (first,) = waitlisted_line(create_mission, create_volunteer, waiting=1)
    signups.cancel(booked)
    db.session.commit()

    signups.expire_due_offers(now_utc() + timedelta(hours=2))
    db.session.commit()

    assert first.status == SignupStatus.WAITLISTED
    assert db.session.get(Position, position.id).filled == 0
    assert position.mission.status == MissionStatus.RECRUITING


def test_accepting_after_the_sweep_expired_the_offer_is_refused_and_counts_stay_right(
    app, create_mission, create_volunteer
):
    position, booked, (first, second) = waitlisted_line(create_mission, create_volunteer)
    signups.cancel(booked)
    db.session.commit()
    stale = db.session.get(Signup, first.id)  # what the volunteer's request loaded
    signups.expire_due_offers(now_utc() + timedelta(hours=2))
    db.session.commit()

    try:
        signups.accept_offer(stale)
        accepted = True
    except Conflict:
        accepted = False

    assert not accepted
    assert db.session.get(Position, position.id).filled == 1
    assert db.session.get(Signup, second.id).status == SignupStatus.OFFERED


def test_accepting_in_time_confirms_and_the_sweep_then_leaves_it_alone(
    app, create_mission, create_volunteer
):
    position, booked, (first, _second) = waitlisted_line(create_mission, create_volunteer)
    signups.cancel(booked)
    signups.accept_offer(first)
    db.session.commit()

    assert signups.expire_due_offers(now_utc() + timedelta(hours=2)) == 0
    assert first.status == SignupStatus.CONFIRMED
    assert db.session.get(Position, position.id).filled == 1


def test_an_early_cancellation_alerts_nobody(app, create_mission, create_volunteer, create_staff):
    lead = create_staff("team_lead", phone="010-2222-3333")
    position = create_mission(code="B7", day=5, team_leads=[lead]).positions[0]
    signup = signups.sign_up(create_volunteer(), position, source=SMS)

    signups.cancel(signup)
    db.session.commit()

    assert not signup.is_late_cancel
    assert db.session.scalar(select(Message).where(Message.kind == "alert")) is None


def test_stale_menus_are_tidied_away(app, create_volunteer):
    volunteer = create_volunteer()
    db.session.add(
        ConversationState(
            volunteer_id=volunteer.id,
            kind="positions",
            payload={},
            expires_at=now_utc() - timedelta(minutes=1),
        )
    )
    db.session.commit()

    assert forget_stale_menus.run() == 1
    assert db.session.get(ConversationState, volunteer.id) is None

"""Booking: capacity is never exceeded, overlaps and missing skills are refused."""

import threading

import pytest
from sqlalchemy import func, select

from coordinator.domain import signups
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import MissionStatus, Position, Signup, SignupSource, SignupStatus


def test_a_volunteer_takes_a_free_place(app, create_mission, create_volunteer):
    position = create_mission(capacity=2).positions[0]
    signup = signups.sign_up(create_volunteer(), position, source=SignupSource.SMS)
    db.session.commit()
    assert signup.status == SignupStatus.CONFIRMED
    assert position.filled == 1


def test_the_one_after_the_last_place_is_waitlisted(app, create_mission, create_volunteer):
    position = create_mission(capacity=1).positions[0]
    first = signups.sign_up(create_volunteer("가"), position, source=SignupSource.SMS)
    second = signups.sign_up(create_volunteer("나"), position, source=SignupSource.SMS)
    assert (first.status, second.status) == (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
    assert position.filled == 1


def test_asking_twice_for_the_same_place_keeps_one_signup(app, create_mission, create_volunteer):
    position = create_mission().positions[0]
    volunteer = create_volunteer()
    first = signups.sign_up(volunteer, position, source=SignupSource.SMS)
    again = signups.sign_up(volunteer, position, source=SignupSource.WEB)
    assert first.id == again.id and position.filled == 1


def test_a_volunteer_cannot_be_in_two_overlapping_shifts(app, create_mission, create_volunteer):
    mission = create_mission(roles={"Handler": "handler", "Photo": None}, shifts=[(7, 12)])
    handler, photo = mission.positions
    volunteer = create_volunteer()
    signups.sign_up(volunteer, handler, source=SignupSource.SMS)
    with pytest.raises(Conflict, match="overlapping shift"):
        signups.sign_up(volunteer, photo, source=SignupSource.SMS)


def test_a_role_needing_a_skill_refuses_volunteers_without_it(
    app, create_mission, create_volunteer
):
    position = create_mission(roles={"Vet": "vet"}).positions[0]
    with pytest.raises(Conflict, match="vet"):
        signups.sign_up(create_volunteer(skills=["handler"]), position, source=SignupSource.SMS)
    assert db.session.scalar(select(func.count()).select_from(Signup)) == 0


def test_the_last_place_filling_marks_the_mission_staffed_and_a_cancel_reopens_it(
    app, create_mission, create_volunteer
):
    mission = create_mission(capacity=1)
    signup = signups.sign_up(create_volunteer(), mission.positions[0], source=SignupSource.SMS)
    assert mission.status == MissionStatus.STAFFED
    signups.cancel(signup)
    assert mission.status == MissionStatus.RECRUITING


def test_a_cancelled_place_is_held_for_the_first_on_the_waitlist(
    app, create_mission, create_volunteer
):
    position = create_mission(capacity=1).positions[0]
    confirmed = signups.sign_up(create_volunteer("가"), position, source=SignupSource.SMS)
    first = signups.sign_up(create_volunteer("나"), position, source=SignupSource.SMS)
    signups.sign_up(create_volunteer("다"), position, source=SignupSource.SMS)
    promoted = signups.cancel(confirmed)
    assert promoted.id == first.id and promoted.status == SignupStatus.OFFERED
    assert position.filled == 1
    signups.accept_offer(promoted)
    assert promoted.status == SignupStatus.CONFIRMED and position.filled == 1


def test_an_expired_offer_moves_on_to_the_next_volunteer(app, create_mission, create_volunteer):
    position = create_mission(capacity=1).positions[0]
    confirmed = signups.sign_up(create_volunteer("가"), position, source=SignupSource.SMS)
    slow = signups.sign_up(create_volunteer("나"), position, source=SignupSource.SMS)
    next_one = signups.sign_up(create_volunteer("다"), position, source=SignupSource.SMS)
    signups.cancel(confirmed)
    promoted = signups.expire_offer(slow)
    assert promoted.id == next_one.id and promoted.status == SignupStatus.OFFERED
    assert slow.status == SignupStatus.WAITLISTED and position.filled == 1


def test_a_closed_mission_takes_no_sms_signups(app, create_mission, create_volunteer):
    position = create_mission(status=MissionStatus.DRAFT).positions[0]
    with pytest.raises(Conflict, match="not taking sign-ups"):
        signups.sign_up(create_volunteer(), position, source=SignupSource.SMS)


def _race_for_places(app, position_id: int, volunteer_ids: list[int]) -> list[str]:
    """Each volunteer asks for the position from their own thread and app context."""
    from coordinator.models import Volunteer

    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(volunteer_ids))

    def answer(volunteer_id: int) -> None:
        with app.app_context():
            try:
                volunteer = db.session.get(Volunteer, volunteer_id)
                position = db.session.get(Position, position_id)
                db.session.commit()
                barrier.wait()
                signup = signups.sign_up(volunteer, position, source=SignupSource.SMS)
                status = signup.status
                db.session.commit()
                results.append(status)
            except BaseException as error:  # collected and re-raised in the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer, args=(v,)) for v in volunteer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.parametrize("racers", [30])
def test_racing_volunteers_never_overbook_a_position(
    any_db_app, create_mission, create_volunteer, racers
):
    position = create_mission(capacity=5).positions[0]
    volunteers = [create_volunteer(f"자원봉사자{i}").id for i in range(racers)]
    db.session.commit()
    results = _race_for_places(any_db_app, position.id, volunteers)
    assert results.count(SignupStatus.CONFIRMED) == 5
    assert results.count(SignupStatus.WAITLISTED) == racers - 5
    db.session.expire_all()
    assert db.session.get(Position, position.id).filled == 5


def test_a_volunteer_cancelling_on_the_day_is_a_late_cancel_but_staff_removing_them_is_not(
    app, create_mission, create_volunteer
):
    from datetime import timedelta

    from coordinator.timeutil import now_utc

    position = create_mission(capacity=2).positions[0]
    position.shift.starts_at = now_utc() + timedelta(hours=3)  # within the 24 h before
    position.shift.ends_at = now_utc() + timedelta(hours=8)
    db.session.commit()
    by_volunteer = signups.sign_up(create_volunteer("가"), position, source=SignupSource.SMS)
    by_staff = signups.sign_up(create_volunteer("나"), position, source=SignupSource.SMS)
    signups.cancel(by_volunteer, reason="sick")
    signups.cancel(by_staff, reason="moved to the vet team", by_staff=True)
    assert by_volunteer.is_late_cancel is True
    assert by_staff.is_late_cancel is False

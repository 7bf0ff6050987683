"""Constraints live in the database, on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from coordinator.extensions import db
from coordinator.models import (
    MissionStatus,
    Position,
    Signup,
    SignupSource,
    SignupStatus,
    Volunteer,
)


def test_two_volunteers_cannot_share_a_phone_number(any_db_app, create_volunteer):
    create_volunteer(phone="+821012345678")
    db.session.add(Volunteer(phone="+821012345678", name="다른 사람", language="ko"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_open_missions_cannot_share_an_sms_code(any_db_app, create_mission):
    create_mission(code="B7")
    with pytest.raises(IntegrityError):
        create_mission(code="B7")
    db.session.rollback()


def test_a_finished_missions_code_can_be_used_again(any_db_app, create_mission):
    old = create_mission(code="B7")
    old.status = MissionStatus.DONE
    db.session.commit()
    assert create_mission(code="B7").id != old.id


def test_a_position_cannot_have_negative_capacity(any_db_app, create_mission):
    mission = create_mission(capacity=2)
    mission.positions[0].capacity = -1
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_to_fill_a_position_past_its_capacity(any_db_app, create_mission):
    position_id = create_mission(capacity=1).positions[0].id
    with pytest.raises(IntegrityError):
        db.session.execute(update(Position).where(Position.id == position_id).values(filled=2))
        db.session.commit()
    db.session.rollback()


def test_a_volunteer_has_one_live_signup_per_position(any_db_app, create_mission, create_volunteer):
    position = create_mission().positions[0]
    volunteer = create_volunteer()

    def signup(status: str) -> Signup:
        return Signup(
            volunteer=volunteer,
            position=position,
            mission_id=position.mission_id,
            status=status,
            source=SignupSource.STAFF,
        )

    db.session.add(signup(SignupStatus.CANCELLED))
    db.session.add(signup(SignupStatus.CONFIRMED))
    db.session.commit()  # a cancelled signup is history and does not count
    db.session.add(signup(SignupStatus.WAITLISTED))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_mission_cannot_end_before_it_starts(any_db_app, create_mission):
    mission = create_mission()
    mission.ends_at = mission.starts_at
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_times_come_back_from_the_database_in_utc(any_db_app, create_mission):
    mission = create_mission()
    starts = mission.starts_at
    db.session.expire_all()
    assert mission.starts_at == starts
    assert mission.starts_at.utcoffset().total_seconds() == 0

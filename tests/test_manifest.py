"""The vehicle manifest: seats, crates against expected animals, animals actually moved."""

import threading

import pytest
from sqlalchemy import event, func, select

from coordinator.domain import vehicles
from coordinator.errors import Conflict, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.models import ExpectedAnimals, Signup, Vehicle


@pytest.fixture
def transported(mission_day):
    """Three handlers, a 3-seat van with 10 crates and a 2-seat car with 4, 16 dogs + 1 horse."""
    day = mission_day(vehicles=[("Van 1", 3, 10), ("Car", 2, 4)])
    day.mission.animals = [
        ExpectedAnimals(species="dog", count=16),
        ExpectedAnimals(species="horse", count=1, needs_crate=False),
    ]
    db.session.commit()
    return day


def test_a_volunteer_is_seated_in_a_vehicle_until_it_is_full(app, transported):
    van = transported.mission.vehicles[0]
    van.seats = 2
    db.session.commit()
    first, second, third = transported.signups
    vehicles.assign_to_vehicle(first, van)
    vehicles.assign_to_vehicle(second, van)
    with pytest.raises(Conflict, match="Van 1 is full"):
        vehicles.assign_to_vehicle(third, van)
    db.session.commit()
    assert [s.id for s in vehicles.passengers(van)] == [first.id, second.id]
    assert third.vehicle_id is None


def test_a_driver_without_a_signup_takes_a_seat(app, transported, create_volunteer):
    car = transported.mission.vehicles[1]
    car.driver = create_volunteer("운전자", skills=["driver"])
    db.session.commit()
    vehicles.assign_to_vehicle(transported.signups[0], car)
    with pytest.raises(Conflict, match="full"):
        vehicles.assign_to_vehicle(transported.signups[1], car)


def test_a_vehicle_of_another_mission_is_refused(app, transported, create_mission):
    other = create_mission(vehicles=[("Elsewhere", 5, 5)]).vehicles[0]
    with pytest.raises(NotFound):
        vehicles.assign_to_vehicle(transported.signups[0], other)


def test_two_leads_filling_the_last_seat_at_once_seat_only_one(any_db_app, mission_day):
    day = mission_day(vehicles=[("Van 1", 1, 0)])
    van_id = day.mission.vehicles[0].id
    ids = [s.id for s in day.signups[:2]]
    barrier, outcomes = threading.Barrier(2), []

    def seat(signup_id):
        with any_db_app.app_context():
            try:
                signup, van = db.session.get(Signup, signup_id), db.session.get(Vehicle, van_id)
                barrier.wait(timeout=10)
                vehicles.assign_to_vehicle(signup, van)
                db.session.commit()
                outcomes.append("seated")
            except Conflict:
                db.session.rollback()
                outcomes.append("full")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=seat, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["full", "seated"]
    seated = db.session.scalar(
        select(func.count()).select_from(Signup).where(Signup.vehicle_id == van_id)
    )
    assert seated == 1


def test_the_manifest_shows_crates_against_the_animals_that_need_one(app, transported):
    first, second, _ = transported.signups
    van, car = transported.mission.vehicles
    vehicles.assign_to_vehicle(first, van)
    vehicles.assign_to_vehicle(second, car)
    db.session.commit()
    manifest = vehicles.manifest(transported.mission)
    assert (manifest.crate_slots, manifest.animals_expected, manifest.crates_short) == (14, 16, 2)
    assert [
        (load.vehicle.label, load.seats_taken, load.crates_planned) for load in manifest.loads
    ] == [("Van 1", 1, 10), ("Car", 1, 4)]
    assert [s.volunteer.name for s in manifest.loads[0].riders] == [first.volunteer.name]


def test_animals_moved_are_recorded_per_vehicle(app, transported):
    van, car = transported.mission.vehicles
    vehicles.record_animals_moved(van, 11)
    vehicles.record_animals_moved(car, 4)
    db.session.commit()
    assert vehicles.manifest(transported.mission).animals_moved == 15
    with pytest.raises(ValidationError, match="animals_moved"):
        vehicles.record_animals_moved(van, -1)


def test_the_transport_summary_for_the_board_takes_two_queries(app, transported, create_mission):
    bare = create_mission(title="말 구조")
    bare.animals = [ExpectedAnimals(species="cat", count=5)]
    db.session.commit()
    missions = [transported.mission, bare]
    for mission in missions:
        db.session.refresh(mission)  # loaded, as on the board
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        summary = vehicles.transport_summary(missions)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert summary == {transported.mission.id: (14, 16), bare.id: (0, 5)}
    assert len(statements) == 2

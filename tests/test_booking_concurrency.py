"""100 volunteers answer YES at once, by signed webhook, to gunicorn with several workers."""

import threading

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Message, Position, Signup, SignupStatus
from tests.support.conversation import gunicorn_app, inbound_form, post_signed

pytestmark = pytest.mark.integration

RACERS = 100
PLACES = 10


def answer_all_at_once(base: str, phones: list[str]) -> list[tuple[int, str]]:
    results: list[tuple[int, str]] = [(0, "")] * len(phones)
    barrier = threading.Barrier(len(phones))

    def answer(i: int) -> None:
        form = inbound_form(phones[i], "네")
        barrier.wait()
        try:
            results[i] = post_signed(base, form, timeout=120)
        except Exception as error:  # reported as a failed answer below
            results[i] = (-1, repr(error))

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return results


def test_a_hundred_replies_for_ten_places_confirm_exactly_ten(
    any_db_app, create_mission, create_volunteer, invite
):
    mission = create_mission(code="B7", capacity=PLACES)
    volunteers = [create_volunteer(f"봉사자{i}") for i in range(RACERS)]
    invite(mission, *volunteers)
    url = any_db_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.commit()

    with gunicorn_app(url, workers=4, threads=8) as base:
        results = answer_all_at_once(base, [v.phone for v in volunteers])

    assert [status for status, _ in results] == [200] * RACERS, results[:3]
    bodies = [body for _, body in results]
    assert sum("확정" in body for body in bodies) == PLACES
    assert sum("대기" in body for body in bodies) == RACERS - PLACES
    db.session.expire_all()
    statuses = db.session.execute(select(Signup.status, func.count()).group_by(Signup.status)).all()
    assert dict(statuses) == {
        SignupStatus.CONFIRMED: PLACES,
        SignupStatus.WAITLISTED: RACERS - PLACES,
    }
    assert db.session.get(Position, mission.positions[0].id).filled == PLACES
    assert db.session.scalar(select(func.count()).select_from(Message)) == 2 * RACERS

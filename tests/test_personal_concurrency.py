"""The personal link and SMS replies racing for the last places never overbook.

Volunteers tap "Yes, I take this place" through a real HTTP server while others' SMS
replies book through the domain at the same moment, all released by one barrier.
"""

import re
import threading

import requests
from sqlalchemy import func, select

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import Position, Signup, SignupSource, SignupStatus, Volunteer
from tests.support.personal import live_server, path

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CAPACITY = 3


def _by_link(base: str, url: str, barrier: threading.Barrier) -> str:
    with requests.Session() as browser:
        token = CSRF.search(browser.get(base + url, timeout=30).text).group(1)
        barrier.wait()
        answer = browser.post(
            base + url, data={"csrf_token": token}, timeout=60, allow_redirects=False
        )
    return f"web {answer.status_code}"


def _by_sms(app, volunteer_id: int, position_id: int, barrier: threading.Barrier) -> str:
    with app.app_context():
        try:
            volunteer = db.session.get(Volunteer, volunteer_id)
            position = db.session.get(Position, position_id)
            db.session.commit()
            barrier.wait()
            status = signups.sign_up(volunteer, position, source=SignupSource.SMS).status
            db.session.commit()
            return f"sms {status}"
        finally:
            db.session.remove()


def _race(app, jobs: list) -> list[str]:
    results: list[str] = []
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            results.append(job())
        except BaseException as error:  # re-raised by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_link_taps_and_sms_replies_racing_for_the_last_places_never_overbook(
    any_db_app, create_mission, create_volunteer
):
    mission = create_mission(capacity=CAPACITY)
    position = mission.positions[0]
    web = [create_volunteer(f"웹{i}") for i in range(6)]
    sms = [create_volunteer(f"문자{i}").id for i in range(6)]
    db.session.commit()
    barrier = threading.Barrier(len(web) + len(sms), timeout=60)
    urls = [path(v, mission.id, f"/take/{position.id}") for v in web]
    with live_server(any_db_app) as base:
        jobs = [(lambda u=u: _by_link(base, u, barrier)) for u in urls] + [
            (lambda v=v: _by_sms(any_db_app, v, position.id, barrier)) for v in sms
        ]
        results = _race(any_db_app, jobs)

    assert sorted(r for r in results if r.startswith("web")) == ["web 303"] * len(web)
    db.session.expire_all()
    confirmed = db.session.scalar(
        select(func.count())
        .select_from(Signup)
        .where(Signup.position_id == position.id, Signup.status == SignupStatus.CONFIRMED)
    )
    waitlisted = db.session.scalar(
        select(func.count())
        .select_from(Signup)
        .where(Signup.position_id == position.id, Signup.status == SignupStatus.WAITLISTED)
    )
    assert (confirmed, waitlisted) == (CAPACITY, len(web) + len(sms) - CAPACITY)
    assert db.session.get(Position, position.id).filled == CAPACITY

"""Render times of the coordinator's busiest pages with real data volumes, against a baseline.

    .venv/bin/python -m bench.pages [--volunteers 50000] [--missions 500] [--signups 20000]
                                    [--database-url postgresql+psycopg://…] [--runs 20]

Builds the data with bulk inserts (a SQLite file by default), logs a coordinator in, then
requests each page `runs` times in-process and prints the median in ms and as a ratio of the
baseline: the login page, a trivial template in the same app, measured in the same run.
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import func, insert, select, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coordinator.extensions import db  # noqa: E402
from coordinator.models import (  # noqa: E402
    ExpectedAnimals,
    Mission,
    Position,
    Role,
    Shift,
    Signup,
    StaffUser,
    Vehicle,
    Volunteer,
    VolunteerSkill,
)
from coordinator.timeutil import now_utc  # noqa: E402
from tests.conftest import PASSWORD, make_app  # noqa: E402

SURNAMES = "김이박최정강조윤장임"
SKILLS = ["handler", "driver", "vet", "photo", "first-aid"]


def _bulk(model: type, rows: list[dict]) -> None:
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(model), rows[start : start + 5000])


def build(volunteers: int, missions: int, signups: int) -> int:
    """The data set; returns the id of the mission with the most signups."""
    now = now_utc()
    _bulk(
        Volunteer,
        [
            {
                "phone": f"+8210{30000000 + i:08d}",
                "name": f"{SURNAMES[i % 10]}봉사{i}",
                "language": "ko",
                "region": ["서울", "경기 남부", "제주"][i % 3],
                "created_at": now,
                "updated_at": now,
            }
            for i in range(volunteers)
        ],
    )
    _bulk(
        VolunteerSkill,
        [
            {"volunteer_id": i + 1, "skill": SKILLS[i % 5], "is_verified": True}
            for i in range(volunteers)
        ],
    )
    _bulk(
        Mission,
        [
            {
                "title": f"구조 {i}",
                "code": f"B{i % 999 + 1}",
                "kind": "farm_closure",
                "status": "recruiting" if i < 400 else "done",
                "starts_at": now + timedelta(days=i % 60, hours=i % 7),
                "ends_at": now + timedelta(days=i % 60, hours=i % 7 + 10),
                "created_at": now,
                "updated_at": now,
            }
            for i in range(missions)
        ],
    )
    ids = db.session.scalars(select(Mission.id).order_by(Mission.id)).all()
    starts = dict(db.session.execute(select(Mission.id, Mission.starts_at)).all())
    _bulk(
        Role,
        [
            {"mission_id": m, "name": n, "sms_key": n[0], "sort_order": k}
            for m in ids
            for k, n in enumerate(("Handler", "Driver"))
        ],
    )
    _bulk(
        Shift,
        [
            {
                "mission_id": m,
                "name": n,
                "sms_key": n,
                "starts_at": starts[m] + timedelta(hours=5 * k),
                "ends_at": starts[m] + timedelta(hours=5 * k + 5),
            }
            for m in ids
            for k, n in enumerate(("AM", "PM"))
        ],
    )
    roles = db.session.execute(select(Role.mission_id, Role.id).order_by(Role.id)).all()
    shifts = db.session.execute(select(Shift.mission_id, Shift.id).order_by(Shift.id)).all()
    _bulk(Position, _positions(roles, shifts))
    _bulk(
        Vehicle,
        [
            {
                "mission_id": m,
                "label": "van",
                "seats": 3,
                "crate_slots": 12,
                "is_organisation": True,
                "created_at": now,
            }
            for m in ids
        ],
    )
    _bulk(
        ExpectedAnimals,
        [{"mission_id": m, "species": "dog", "count": 30, "needs_crate": True} for m in ids],
    )
    positions = db.session.execute(select(Position.id, Position.mission_id)).all()
    _bulk(
        Signup,
        [
            {
                "volunteer_id": i % volunteers + 1,
                "position_id": positions[i % len(positions)][0],
                "mission_id": positions[i % len(positions)][1],
                "status": "confirmed",
                "source": "sms",
                "created_at": now,
            }
            for i in range(signups)
        ],
    )
    filled = select(func.count()).where(Signup.position_id == Position.id).scalar_subquery()
    db.session.execute(update(Position).values(filled=filled))
    db.session.commit()
    return db.session.scalar(
        select(Signup.mission_id).group_by(Signup.mission_id).order_by(func.count().desc()).limit(1)
    )


def _positions(roles: list, shifts: list) -> list[dict]:
    by_mission: dict[int, list[int]] = {}
    for mission_id, shift_id in shifts:
        by_mission.setdefault(mission_id, []).append(shift_id)
    return [
        {"mission_id": m, "role_id": r, "shift_id": s, "capacity": 60, "filled": 0}
        for m, r in roles
        for s in by_mission[m]
    ]


def median_ms(client, url: str, runs: int) -> float:
    client.get(url)  # warm caches and templates
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=50_000)
    parser.add_argument("--missions", type=int, default=500)
    parser.add_argument("--signups", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with TemporaryDirectory() as tmp:
        app = make_app(args.database_url or f"sqlite:///{tmp}/bench.db", WTF_CSRF_ENABLED=False)
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            busiest = build(args.volunteers, args.missions, args.signups)
            print(
                f"built {args.volunteers} volunteers, {args.missions} missions, "
                f"{args.signups} signups in {time.perf_counter() - started:.1f}s "
                f"({db.engine.dialect.name})"
            )
            user = StaffUser(email="bench@example.org", name="벤치", role="coordinator")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
        anonymous, client = app.test_client(), app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
        baseline = median_ms(anonymous, "/login", args.runs)
        print(f"{'page':<34}{'median ms':>10}{'x baseline':>12}")
        print(f"{'baseline: login page':<34}{baseline:>10.1f}{1:>12.1f}")
        for label, url in (
            ("board (open missions, 60/page)", "/"),
            ("roster of the busiest mission", f"/missions/{busiest}/roster"),
            ("roster live fragment", f"/missions/{busiest}/roster/live"),
            ("directory, first page", "/volunteers/"),
            ("directory, search '김'", "/volunteers/?q=김"),
            ("directory, skill filter", "/volunteers/?skill=vet"),
        ):
            ms = median_ms(client, url, args.runs)
            print(f"{label:<34}{ms:>10.1f}{ms / baseline:>12.1f}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()

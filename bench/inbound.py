"""Benchmark: N volunteers answer a call-out at once by signed SMS webhook, under gunicorn.

Prints requests/s, p50 and p99 latency for POST /sms/inbound, then the same figures for a
trivial Flask endpoint doing one INSERT (the baseline, same server settings, same run), and
the ratio. Ends by checking that no position holds more people than its capacity.

    .venv/bin/python -m bench.inbound [--requests 1000] [--concurrency 32] [--sqlite]

Uses PostgreSQL (TEST_DATABASE_URL) when reachable, a throwaway SQLite file otherwise.
"""

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import sqlalchemy
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coordinator import create_app
from coordinator.extensions import db
from coordinator.models import (
    CallOut,
    Invitation,
    Mission,
    MissionStatus,
    Position,
    Role,
    Shift,
    Signup,
    Volunteer,
)
from coordinator.timeutil import now_utc
from tests.support import services
from tests.support.conversation import gunicorn_app, inbound_form, post_signed

# One thread per process: the reply makes a dozen short database round trips, and a thread
# coming back from each must win the GIL from CPU-bound neighbours (p99 4 s with 4 x 8,
# 1.3 s with 4 x 1 at the same throughput on 2 cores).
WORKERS, THREADS = 4, 1


def fresh_database(force_sqlite: bool) -> tuple[str, object]:
    """A new empty database URL and a function that drops it."""
    if not force_sqlite and services._postgres_error() is None:
        stack = contextlib.ExitStack()
        return stack.enter_context(services.throwaway_postgres("bench_inbound")), stack.close
    folder = tempfile.mkdtemp(prefix="bench-inbound-")
    return f"sqlite:///{folder}/bench.db", lambda: None


def seed(url: str, volunteers: int, capacity: int) -> list[str]:
    """A recruiting mission with one position, and volunteers the call-out reached."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_DISPATCH": "off"})
    with app.app_context():
        db.create_all()
        start = now_utc().replace(microsecond=0) + timedelta(days=3)
        end = start + timedelta(hours=5)
        mission = Mission(
            title="Bench",
            code="B7",
            status=MissionStatus.RECRUITING,
            starts_at=start,
            ends_at=end,
            meeting_point="Suwon Stn. exit 4",
        )
        shift = Shift(name="AM", sms_key="AM", starts_at=start, ends_at=end)
        role = Role(name="Handler", sms_key="H")
        mission.shifts.append(shift)
        mission.roles.append(role)
        mission.positions.append(Position(role=role, shift=shift, capacity=capacity))
        callout = CallOut(mission=mission)
        db.session.add_all([mission, callout])
        phones = [f"+8210{30000000 + i:08d}" for i in range(volunteers)]
        people = [Volunteer(phone=p, name=f"봉사자{i}") for i, p in enumerate(phones)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            Invitation(callout_id=callout.id, mission_id=mission.id, volunteer_id=v.id)
            for v in people
        )
        db.session.commit()
    return phones


def overbooked(url: str) -> int:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_DISPATCH": "off"})
    with app.app_context():
        confirmed = db.session.scalar(
            select(func.count()).select_from(Signup).where(Signup.status == "confirmed")
        )
        capacity = db.session.scalar(select(func.sum(Position.capacity)))
        filled = db.session.scalar(select(func.sum(Position.filled)))
        over = db.session.scalar(
            select(func.count()).select_from(Position).where(Position.filled > Position.capacity)
        )
        print(f"  bookings: {confirmed} confirmed for {capacity} places (filled={filled})")
        return over + max(confirmed - capacity, 0) + abs(confirmed - filled)


def hammer(base: str, phones: list[str], concurrency: int) -> dict:
    def one(phone: str) -> tuple[float, int]:
        form = inbound_form(phone, "네")
        started = time.perf_counter()
        status, _body = post_signed(base, form)
        return time.perf_counter() - started, status

    post_signed(base, inbound_form("+821099990000", "warm up"))
    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, phones))
    elapsed = time.perf_counter() - began
    latencies = sorted(seconds for seconds, _ in results)
    return {
        "rps": len(results) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": sum(status != 200 for _, status in results),
    }


def show(name: str, figures: dict) -> None:
    print(
        f"  {name:<22} {figures['rps']:8.1f} req/s   p50 {figures['p50']:6.1f} ms   "
        f"p99 {figures['p99']:6.1f} ms   errors {figures['errors']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--capacity", type=int, default=0, help="places (default requests/4)")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even if PG is up")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args()
    url, drop = fresh_database(args.sqlite)
    try:
        capacity = args.capacity or max(args.requests // 4, 1)
        phones = seed(url, args.requests, capacity)
        engine = sqlalchemy.make_url(url).get_backend_name()
        print(
            f"{args.requests} replies, {args.concurrency} at a time, {engine}, gunicorn "
            f"{args.workers} workers x {args.threads} threads"
        )
        with gunicorn_app(url, workers=args.workers, threads=args.threads) as base:
            inbound = hammer(base, phones, args.concurrency)
        with gunicorn_app(
            url, workers=args.workers, threads=args.threads, app="bench.inbound_baseline_app:app"
        ) as base:
            sqlalchemy.Table(
                "bench_hits",
                sqlalchemy.MetaData(),
                sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True),
                sqlalchemy.Column("body", sqlalchemy.String(200)),
            ).create(sqlalchemy.create_engine(url), checkfirst=True)
            baseline = hammer(base, phones, args.concurrency)
        show("POST /sms/inbound", inbound)
        show("baseline (1 INSERT)", baseline)
        print(f"  ratio (inbound / baseline req/s): {inbound['rps'] / baseline['rps']:.2f}")
        problems = overbooked(url)
        print("  overbooking: none" if problems == 0 else f"  OVERBOOKED: {problems}")
        return 1 if problems or inbound["errors"] else 0
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main())

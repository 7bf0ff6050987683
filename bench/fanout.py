"""Fan-out throughput against a plain loop of the provider's SDK, measured in the same run.

    .venv/bin/python -m bench.fanout [--volunteers 10000] [--baseline 2000] [--sqlite]
                                     [--route both|twilio|solapi]

Two routes, each against its own stub in a separate process. Twilio (foreign numbers): the
baseline is a plain loop of `client.messages.create`. Solapi (Korean numbers, the domestic
route): the baseline is a plain loop of the SDK's batch send (`SolapiMessageService.send` with
SOLAPI_BATCH_SIZE messages a request) over as many messages as the call-out.

The pipeline is the product: one call-out to every volunteer (database rows, invitations,
Celery over Redis, two worker processes, the gateway, the global rate limit set high enough not
to bind, each result recorded), timed from the
coordinator's Send until every row is recorded as sent. Prints messages/second and the ratio,
and the CPU time each process spent per message (where the time goes). The machine may be
shared: the baseline runs before and after the pipeline, and the faster run counts.
"""

import argparse
import contextlib
import os
import sys
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import func, insert, select
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coordinator.domain import callouts  # noqa: E402
from coordinator.domain.audience import Audience  # noqa: E402
from coordinator.extensions import db  # noqa: E402
from coordinator.models import Message, MessageStatus, Volunteer, VolunteerSkill  # noqa: E402
from coordinator.sms import outbox  # noqa: E402
from tests.conftest import local_time, make_app  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.callouts import FROM_NUMBER, twilio_settings  # noqa: E402
from tests.support.celery_worker import CeleryWorker  # noqa: E402
from tests.support.solapi import solapi_settings  # noqa: E402
from tests.support.solapi_stub import (  # noqa: E402
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    DEFAULT_SENDER,
    SolapiStubProcess,
)
from tests.support.twilio_stub import (  # noqa: E402
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    StubProcess,
)

TIMEOUT = 900
BODY = "[구조 F1] 11월 25일 (수) 07:00 경기 남부\n필요: Handler 6\n응답: https://r.example/v/abc"
KOREAN_BODY = "[구조 F1] 11/25(수) 07:00 경기 남부\n필요: 핸들러 6\nhttps://r.example.kr/v/abcdefgh"
SOLAPI_BATCH = 500
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def process_tree(root: int) -> list[int]:
    """`root` and its descendants (a Celery worker and its pool processes)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sorted(tree)


def cpu_seconds(pids: list[int], *, reaped_children: bool = True) -> float:
    """User + system CPU time of these processes so far, with that of their exited children
    (a PostgreSQL backend or a pool process that ended is counted in its parent)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = _stat(pid)
            total += int(fields[11]) + int(fields[12])
            if reaped_children:
                total += int(fields[13]) + int(fields[14])
    return total / CLOCK_TICKS


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (others' sessions included)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
    return pids


def baseline(stub: StubProcess, count: int) -> float:
    """Messages per second of a plain client.messages.create loop."""
    client = Client(
        DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, http_client=TwilioHttpClient(timeout=10)
    )
    client.api.base_url = stub.url
    parts = {"client": lambda: [os.getpid()], "stub": lambda: [stub.process.pid]}
    before = cpu_snapshot(parts)
    started = time.perf_counter()
    for i in range(count):
        client.messages.create(to=f"+8210{30000000 + i:08d}", from_=FROM_NUMBER, body=BODY)
    elapsed = time.perf_counter() - started
    report = cpu_report(parts, before, count, elapsed)
    print(f"baseline  {count / elapsed:.1f} messages/s; {report}")
    return count / elapsed


def solapi_baseline(stub: SolapiStubProcess, count: int) -> float:
    """Messages per second of a plain loop of the solapi SDK's batch send."""
    from solapi import SolapiMessageService
    from solapi.model.request.message import Message as SolapiMessage

    service = SolapiMessageService(DEFAULT_API_KEY, DEFAULT_API_SECRET)
    service.base_url = stub.url
    parts = {"client": lambda: [os.getpid()], "stub": lambda: [stub.process.pid]}
    before = cpu_snapshot(parts)
    started = time.perf_counter()
    for start in range(0, count, SOLAPI_BATCH):
        service.send(
            [
                SolapiMessage(
                    from_=DEFAULT_SENDER, to=f"010{30000000 + i:08d}", text=KOREAN_BODY, type="SMS"
                )
                for i in range(start, min(count, start + SOLAPI_BATCH))
            ]
        )
    elapsed = time.perf_counter() - started
    report = cpu_report(parts, before, count, elapsed)
    print(f"baseline  solapi {count / elapsed:.1f} messages/s; {report}")
    return count / elapsed


def cpu_snapshot(parts: dict) -> dict[str, float]:
    return {
        name: cpu_seconds(pids(), reaped_children=name not in ("client", "bench"))
        for name, pids in parts.items()
    }


def cpu_report(parts: dict, before: dict[str, float], count: int, elapsed: float) -> str:
    after = cpu_snapshot(parts)
    spent = ", ".join(f"{name} {1000 * (after[name] - before[name]) / count:.2f}" for name in parts)
    return f"CPU ms per message: {spent}; wall ms per message {1000 * elapsed / count:.2f}"


def database_url(tmp: str, use_sqlite: bool) -> tuple[str, callable]:
    if use_sqlite or services._postgres_error():
        return f"sqlite:///{tmp}/bench.db", lambda: None
    stack = contextlib.ExitStack()
    return stack.enter_context(services.throwaway_postgres("bench_fanout")), stack.close


def seed(count: int) -> None:
    db.session.execute(
        insert(Volunteer),
        [
            {
                "phone": f"+8210{40000000 + i:08d}",
                "name": f"v{i}",
                "language": "ko" if i % 5 else "en",
            }
            for i in range(count)
        ],
    )
    ids = db.session.scalars(select(Volunteer.id)).all()
    db.session.execute(
        insert(VolunteerSkill), [{"volunteer_id": i, "skill": "handler"} for i in ids]
    )
    db.session.commit()


def pipeline(app, env: dict, tmp: str, count: int, stub, code: str = "B1") -> float:
    """Messages per second from Send to every row recorded as sent, with two workers."""
    from coordinator.models import Mission, MissionStatus, Position, Role, Shift

    shift = Shift(name="day", starts_at=local_time(3, 7), ends_at=local_time(3, 17))
    role = Role(name="Handler", required_skill="handler")
    mission = Mission(
        title="bench",
        code=code,
        status=MissionStatus.RECRUITING,
        area="경기 남부",
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        shifts=[shift],
        roles=[role],
        positions=[Position(role=role, shift=shift, capacity=count * 2)],
    )
    db.session.add(mission)
    db.session.commit()
    # A log per run: a worker counts as started when its own log says " ready.".
    workers = [
        CeleryWorker(env, Path(tmp) / f"{code}-worker{i}.log", concurrency=1) for i in range(2)
    ]
    try:
        parts = {
            "workers": lambda: [p for w in workers for p in process_tree(w.process.pid)],
            "stub": lambda: [stub.process.pid],
            "postgres": postgres_pids,
            "bench": lambda: [os.getpid()],
        }
        before = cpu_snapshot(parts)
        started, wall_start = time.perf_counter(), time.time()
        callout = callouts.create_callout(
            mission, audience=Audience(), wave_size=count, is_urgent=True
        )
        db.session.commit()
        outbox.enqueue("tasks.callouts.run_wave", callout.id)
        while True:
            db.session.expire_all()
            done = db.session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.status == MessageStatus.SENT, Message.callout_id == callout.id)
            )
            db.session.rollback()  # no snapshot held between polls
            if done >= count:
                break
            if time.perf_counter() - started > TIMEOUT:
                sys.exit(f"only {done} of {count} sent after {TIMEOUT}s; see {tmp}/worker*.log")
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        report = cpu_report(parts, before, count, elapsed)
        arrivals = sorted(m["received_at"] for m in _stub_messages(stub))
        print(
            f"pipeline  first message after {arrivals[0] - wall_start:.2f}s, "
            f"last after {arrivals[-1] - wall_start:.2f}s, all recorded after {elapsed:.2f}s"
        )
        print(
            f"pipeline  {report} (workers: the wave and the sends; postgres: every "
            "session on the machine; bench: Send and polling)"
        )
        return count / elapsed
    finally:
        for worker in workers:
            worker.stop()
        if os.environ.get("BENCH_KEEP_LOGS"):
            import shutil

            for log in Path(tmp).glob(f"{code}-worker*.log"):
                shutil.copy(log, Path(os.environ["BENCH_KEEP_LOGS"]) / log.name)


def _stub_messages(stub) -> list[dict]:
    return stub.messages() if isinstance(stub, StubProcess) else stub.seen()["messages"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument(
        "--baseline", type=int, default=2_000, help="messages in the plain twilio loop"
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL is up")
    parser.add_argument("--route", choices=("both", "twilio", "solapi"), default="both")
    args = parser.parse_args()
    if services._redis_error():
        sys.exit(f"Redis is needed at {services.redis_url()}")
    results = {}
    with StubProcess() as stub, SolapiStubProcess() as korean, TemporaryDirectory() as tmp:
        url, drop = database_url(tmp, args.sqlite)
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        common = {
            "CELERY_BROKER_URL": services.redis_url(),
            "SMS_RATE_PER_SECOND": 100_000,
            "SMS_BATCH_SIZE": 50,
            "PUBLIC_BASE_URL": "https://rescue.example.org",
        }
        routes = {
            "twilio": {**twilio_settings(stub.url), **common},
            "solapi": {
                **twilio_settings(stub.url),
                **solapi_settings(korean.url),
                **common,
                "SOLAPI_BATCH_SIZE": SOLAPI_BATCH,
                "SMS_BATCH_SIZE": SOLAPI_BATCH,
            },
        }
        app = make_app(
            url,
            OUTBOX_DISPATCH="celery",
            CELERY_DEFAULT_QUEUE=queue,
            CELERY_OVERRIDES={"task_default_queue": queue},
            **routes["twilio"],
        )
        try:
            with app.app_context():
                db.create_all()
                seed(args.volunteers)
                for route in ("twilio", "solapi"):
                    if args.route not in ("both", route):
                        continue
                    settings = routes[route]
                    app.config.update(settings)
                    env = {
                        **os.environ,
                        **{k: str(v) for k, v in settings.items()},
                        "DATABASE_URL": url,
                        "CELERY_DEFAULT_QUEUE": queue,
                        "APP_ENV": "development",
                        "SECRET_KEY": app.config["SECRET_KEY"],
                    }
                    if route == "twilio":
                        plain = baseline(stub, args.baseline)
                        stub.reset()
                        ours = pipeline(app, env, tmp, args.volunteers, stub, "B1")
                        # Once more after: the machine is shared; the faster loop counts.
                        plain = max(plain, baseline(stub, args.baseline))
                    else:
                        plain = solapi_baseline(korean, args.volunteers)
                        korean.reset()
                        ours = pipeline(app, env, tmp, args.volunteers, korean, "K1")
                        plain = max(plain, solapi_baseline(korean, args.volunteers))
                    results[route] = (plain, ours)
                db.session.remove()
                db.engine.dispose()
        finally:
            drop()
    print(f"database: {url.split(':')[0]}; volunteers: {args.volunteers}")
    names = {
        "twilio": "plain client.messages.create loop",
        "solapi": f"plain SolapiMessageService.send loop, {SOLAPI_BATCH} a request",
    }
    for route, (plain, ours) in results.items():
        print(f"{route:7s} baseline  {names[route]}: {plain:8.1f} messages/s (the faster run)")
        print(f"{route:7s} pipeline  call-out, Celery x2 workers, gateway: {ours:8.1f} messages/s")
        print(f"{route:7s} ratio     pipeline / baseline: {ours / plain:.2f}")


if __name__ == "__main__":
    main()

"""A farm closure under load, with faults: the whole system, real and local, then its checks.

    .venv/bin/python -m bench.scenario [--volunteers 5000] [--replies 1500] [--window 60] ...

PostgreSQL (a throwaway database), a private Redis, gunicorn, 2 Celery workers and beat, and
the Twilio-compatible stub (the real twilio client sends to it; it posts status callbacks).
A coordinator sends the call-out through the web form; volunteers whose call-out reaches the
stub text back by signed webhook (see bench.scenario_people) while staff poll the live
roster; meanwhile the stub answers 429 for 5 s, a Celery worker is SIGKILLed and restarted,
and Redis restarts. Then every check in bench.scenario_checks runs, the figures are printed
against a quiet baseline from the same run, and the exit code says whether all checks held.
"""

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import scenario_checks as checks  # noqa: E402
from bench.scenario_people import Crowd, Option, Recorder, persona_for  # noqa: E402
from coordinator.domain.conversation_menus import position_options  # noqa: E402
from coordinator.extensions import db  # noqa: E402
from coordinator.i18n import format_local  # noqa: E402
from coordinator.models import (  # noqa: E402
    Mission,
    MissionKind,
    MissionStatus,
    Position,
    Role,
    Shift,
    StaffRole,
    StaffUser,
    Vehicle,
    Volunteer,
    VolunteerSkill,
)
from coordinator.web.roster import POLL_SECONDS  # noqa: E402
from tests.conftest import local_time, make_app  # noqa: E402
from tests.support.helpers import csrf_token_in  # noqa: E402
from tests.support.scenario import Stack, StackSettings, staff_session  # noqa: E402

CODE = "F1"
STAFF_EMAIL, STAFF_PASSWORD = "scenario-coordinator@example.org", "scenario-pass-2026"
# (name, SMS key, skill): 8 roles; everyone can be a Helper.
ROLES = [
    ("Team lead", "L", "team-lead"),
    ("Vet", "V", "vet"),
    ("Vet tech", "T", "vet-tech"),
    ("Large-animal handler", "G", "large-animal"),
    ("Driver", "D", "driver"),
    ("Handler", "H", "handler"),
    ("Photographer", "P", "photo"),
    ("Helper", "E", None),
]
SHIFTS = [("오전", "AM", 7, 11), ("낮", "MD", 11, 15), ("오후", "PM", 15, 19)]
SKILL_SHARE = {
    "handler": 0.45,
    "driver": 0.2,
    "first-aid": 0.15,
    "photo": 0.08,
    "vet-tech": 0.06,
    "team-lead": 0.05,
    "large-animal": 0.05,
    "vet": 0.03,
}
FAULTS = (("429 for 5 s", 0.10), ("SIGKILL worker 0", 0.20), ("restart Redis", 0.33))


@dataclass
class Params:
    volunteers: int = 5000
    places: int = 120  # spread over 8 roles x 3 shifts
    vehicles: int = 10
    replies: int = 1500
    window: float = 60.0  # seconds the replies are spread over
    wave_size: int = 1500
    wave_interval: int = 1  # minutes
    pollers: int = 20
    poll_interval: float = float(POLL_SECONDS)  # as static/roster.js polls
    sms_rate: int = 100
    quiet_samples: int = 30
    settle_timeout: float = 240.0
    seed: int = 7
    stack: StackSettings = field(default_factory=StackSettings)


@dataclass
class Report:
    checks: list[checks.Check]
    figures: dict[str, str]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def text(self) -> str:
        lines = [f"  {name:<34} {value}" for name, value in self.figures.items()]
        lines += [f"  {'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in self.checks]
        return "\n".join(lines)


# --- setting the scene -----------------------------------------------------------------------


def seed(params: Params) -> tuple[int, dict[int, set[str]]]:
    """Volunteers with skills; a draft mission, 8 roles x 3 shifts, vehicles; a coordinator."""
    rng = random.Random(params.seed)
    rows = [
        {
            "phone": f"+8210{50000000 + i:08d}",
            "name": f"봉사자{i}" if i % 5 else f"Vol {i}",
            "language": "en" if i % 5 == 0 else "ko",
            "region": "경기",
        }
        for i in range(params.volunteers)
    ]
    ids = (
        db.session.execute(
            insert(Volunteer).returning(Volunteer.id, sort_by_parameter_order=True), rows
        )
        .scalars()
        .all()
    )
    skills = {vid: {s for s, share in SKILL_SHARE.items() if rng.random() < share} for vid in ids}
    db.session.execute(
        insert(VolunteerSkill),
        [{"volunteer_id": v, "skill": s} for v, owned in skills.items() for s in owned],
    )
    mission = Mission(
        title="개농장 폐쇄 구조",
        code=CODE,
        kind=MissionKind.FARM_CLOSURE,
        status=MissionStatus.DRAFT,
        area="경기 남부",
        meeting_point="수원역 4번 출구",
        starts_at=local_time(3, 7),
        ends_at=local_time(3, 19),
    )
    mission.shifts = [
        Shift(name=n, sms_key=k, starts_at=local_time(3, a), ends_at=local_time(3, b))
        for n, k, a, b in SHIFTS
    ]
    slots = len(ROLES) * len(SHIFTS)
    for i, (name, key, skill) in enumerate(ROLES):
        role = Role(name=name, sms_key=key, required_skill=skill, sort_order=i)
        mission.roles.append(role)
        for j, shift in enumerate(mission.shifts):
            index = i * len(SHIFTS) + j
            capacity = params.places // slots + (index < params.places % slots)
            mission.positions.append(Position(role=role, shift=shift, capacity=capacity))
    mission.vehicles = [
        Vehicle(label=f"승합차 {n + 1}", seats=8, crate_slots=10) for n in range(params.vehicles)
    ]
    staff = StaffUser(email=STAFF_EMAIL, name="Coordinator", role=StaffRole.COORDINATOR)
    staff.set_password(STAFF_PASSWORD)
    db.session.add_all([mission, staff])
    db.session.commit()
    return mission.id, skills


def numbered_options(mission_id: int) -> list[Option]:
    mission = db.session.get(Mission, mission_id)
    return [
        Option(
            n,
            p.id,
            p.role.sms_key,
            p.shift.sms_key,
            p.role.required_skill,
            p.capacity,
            f"{p.role.name} {format_local(p.shift.starts_at, 'time', 'en')}",
        )
        for n, p in enumerate(position_options(mission), start=1)
    ]


# --- the storm -------------------------------------------------------------------------------


class Watcher(threading.Thread):
    """Reads what the stub received; call-out recipients become repliers, later texts offers."""

    def __init__(
        self,
        stack: Stack,
        crowd: Crowd,
        params: Params,
        skills: dict,
        options: list[Option],
        volunteers: dict[str, tuple[int, str]],
    ) -> None:
        super().__init__(daemon=True)
        self.stack, self.crowd, self.params = stack, crowd, params
        self.skills, self.options, self.volunteers = skills, options, volunteers
        self.stop = threading.Event()
        self.window_start: float | None = None
        self.seen = 0
        self.called: set[str] = set()
        self.rng = random.Random(params.seed + 1)

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.poll()

    def poll(self) -> list[dict]:
        messages = self.stack.stub.messages()
        for message in messages[self.seen :]:
            self._arrived(message)
        self.seen = len(messages)
        return messages

    def _arrived(self, message: dict) -> None:
        phone, at = message["to"], message["received_at"]
        if phone in self.called:
            self.crowd.offered(phone)
            return
        self.called.add(phone)
        if phone not in self.volunteers or len(self.crowd.personas) >= self.params.replies:
            return
        self.window_start = self.window_start or at
        volunteer_id, language = self.volunteers[phone]
        persona = persona_for(
            volunteer_id, phone, language, self.skills[volunteer_id], self.options, self.params.seed
        )
        planned = self.window_start + self.rng.uniform(0, self.params.window)
        self.crowd.join(persona, max(planned, at + self.rng.uniform(1, 4)))


def poll_roster(
    base_url: str, mission_id: int, interval: float, stop: threading.Event, recorder: Recorder
) -> None:
    """A coordinator's browser with the live roster open (login, page, then the fragment)."""
    session = staff_session(base_url, STAFF_EMAIL, STAFF_PASSWORD)
    session.get(f"{base_url}/missions/{mission_id}/roster", timeout=60)
    etag = None
    while not stop.is_set():
        started = time.perf_counter()
        try:
            response = _get_like_a_browser(
                session,
                f"{base_url}/missions/{mission_id}/roster/live",
                {"If-None-Match": etag} if etag else {},
                recorder,
            )
            etag = response.headers.get("ETag") or etag
            recorder.add(response.status_code, time.perf_counter() - started)
        except Exception as error:
            recorder.add(
                f"{type(error).__name__}: {str(error)[:90]}", time.perf_counter() - started
            )
        stop.wait(max(0.0, interval - (time.perf_counter() - started)))


def _get_like_a_browser(session, url: str, headers: dict, recorder: Recorder):
    """GET, retried once on a reset kept-alive connection, as browsers retry such a request.

    gunicorn closes a connection idle past its keep-alive (2 s) lazily; under load a poll
    every 5 s can be written into a socket being closed, which answers with a reset.
    """
    try:
        return session.get(url, timeout=60, headers=headers)
    except requests.ConnectionError:
        recorder.retried += 1
        return session.get(url, timeout=60, headers=headers)


def inject_faults(
    stack: Stack, watcher: Watcher, window: float, log: list[str], stop: threading.Event
) -> None:
    """The three faults at their moments in the reply window (a worker comes back after 2 s)."""
    while watcher.window_start is None and not stop.wait(0.2):
        pass
    for name, fraction in FAULTS:
        if stop.wait(max(0.0, watcher.window_start + fraction * window - time.time())):
            return
        at = time.time() - watcher.window_start
        if name.startswith("429"):
            stack.stub.set_mode(fail_429_seconds=5)
        elif name.startswith("SIGKILL"):
            stack.kill_worker(0)
            time.sleep(2)
            stack.start_worker()
        else:
            stack.redis.restart()
        log.append(f"{name} at +{at:.1f}s")


def start_callout(base_url: str, mission_id: int, params: Params) -> float:
    """The coordinator's Send, through the web form as a person would press it."""
    session = staff_session(base_url, STAFF_EMAIL, STAFF_PASSWORD)
    page = session.get(f"{base_url}/missions/{mission_id}/callouts/new", timeout=60)
    sent = time.time()
    response = session.post(
        f"{base_url}/missions/{mission_id}/callouts/new",
        timeout=60,
        allow_redirects=False,
        data={
            "csrf_token": csrf_token_in(page.text),
            "note": "",
            "wave_size": params.wave_size,
            "is_urgent": "y",
            "wave_interval_minutes": params.wave_interval,
        },
    )
    if response.status_code != 302:
        raise RuntimeError(f"the call-out form answered {response.status_code}")
    return sent


def watch_fill(mission_id: int, stop: threading.Event, seen: dict) -> None:
    """The first moment every place is held, and the first the mission reads `staffed`."""
    while not stop.wait(0.25):
        filled, capacity = db.session.execute(
            select(func.sum(Position.filled), func.sum(Position.capacity)).where(
                Position.mission_id == mission_id
            )
        ).one()
        status = db.session.scalar(select(Mission.status).where(Mission.id == mission_id))
        db.session.rollback()
        if filled == capacity:
            seen.setdefault("full", time.time())
        if status == MissionStatus.STAFFED:
            seen.setdefault("staffed", time.time())


def settle(crowd: Crowd, watcher: Watcher, deadline: float) -> bool:
    """Until the crowd is quiet and no outbound message is queued or in flight."""
    from coordinator.models import Direction, Message, MessageStatus

    calm_since = None
    while time.time() < deadline:
        watcher.poll()
        pending = db.session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.direction == Direction.OUTBOUND,
                Message.status.in_((MessageStatus.QUEUED, MessageStatus.SENDING)),
            )
        )
        db.session.rollback()
        if crowd.idle() and not pending:
            calm_since = calm_since or time.time()
            if time.time() - calm_since > 4:  # late status callbacks and offers have landed
                return True
        else:
            calm_since = None
        time.sleep(0.5)
    return False


# --- the run ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else 0.0


def quiet_baseline(
    crowd: Crowd, base_url: str, mission_id: int, phones: list[str], samples: int
) -> tuple[float, float]:
    """Median webhook and roster latencies with nothing else going on, in ms."""
    texts = [crowd.quiet_text(phone, "도움말") for phone in phones[:samples]]
    session = staff_session(base_url, STAFF_EMAIL, STAFF_PASSWORD)
    roster = []
    for _ in range(samples):
        started = time.perf_counter()
        session.get(f"{base_url}/missions/{mission_id}/roster/live", timeout=60)
        roster.append(time.perf_counter() - started)
    return (statistics.median(e.latency for e in texts) * 1000, statistics.median(roster) * 1000)


def in_thread(app, target, *args: object) -> threading.Thread:
    def run() -> None:
        with app.app_context():
            target(*args)
            db.session.remove()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def run(params: Params, folder: Path) -> Report:
    """Build the stack, play the scenario, check everything; the stack is gone on return."""
    params.stack.sms_rate = params.sms_rate
    with Stack(folder, params.stack) as stack:
        app = make_app(stack.database_url, WTF_CSRF_ENABLED=False)
        with app.app_context():
            db.create_all()
            mission_id, skills = seed(params)
            options = numbered_options(mission_id)
            volunteers = {
                phone: (vid, lang)
                for vid, phone, lang in db.session.execute(
                    select(Volunteer.id, Volunteer.phone, Volunteer.language)
                )
            }
            db.session.rollback()
            stack.start_app()
            report = _play(stack, app, params, mission_id, skills, options, volunteers)
            db.session.remove()
            db.engine.dispose()
    return report


def _play(
    stack: Stack,
    app,
    params: Params,
    mission_id: int,
    skills: dict,
    options: list[Option],
    volunteers: dict,
) -> Report:
    crowd = Crowd(stack.base_url, CODE, options, params.seed)
    quiet_hook, quiet_roster = quiet_baseline(
        crowd,
        stack.base_url,
        mission_id,
        sorted(volunteers)[-params.quiet_samples :],
        params.quiet_samples,
    )
    watcher = Watcher(stack, crowd, params, skills, options, volunteers)
    stop, fill, faults, polls = threading.Event(), {}, [], Recorder()
    background = [in_thread(app, watch_fill, mission_id, stop, fill)]
    background += [
        threading.Thread(
            target=poll_roster,
            daemon=True,
            args=(stack.base_url, mission_id, params.poll_interval, stop, polls),
        )
        for _ in range(params.pollers)
    ]
    background.append(
        threading.Thread(
            target=inject_faults, daemon=True, args=(stack, watcher, params.window, faults, stop)
        )
    )
    for thread in background[1:]:
        thread.start()
    sent_at = start_callout(stack.base_url, mission_id, params)
    watcher.start()
    settled = False
    try:
        end_of_window = time.time() + params.window + 60  # the call-out must begin by then
        while time.time() < end_of_window and (
            watcher.window_start is None or time.time() < watcher.window_start + params.window
        ):
            time.sleep(0.5)
        settled = settle(crowd, watcher, time.time() + params.settle_timeout)
    finally:
        watcher.stop.set()
        stop.set()
        for thread in background:
            thread.join(timeout=30)
        crowd.close()
    stub_messages = watcher.poll()
    callbacks = stack.stub._call("GET", "/_stub/callbacks")["callbacks"]
    personas = list(crowd.personas.values())
    exchanges = list(crowd.exchanges)
    db.session.expire_all()
    places, filled, capacity = checks.places_and_overbooking(mission_id, personas, options)
    found = [
        *places,
        *checks.sent_once(stub_messages),
        checks.opt_outs(personas, stub_messages),
        checks.inbound_once(exchanges),
        checks.replies(exchanges),
        checks.no_server_errors(exchanges, polls.statuses, callbacks, stack.server_errors()),
        checks.mission_state(mission_id),
        checks.Check(
            "everything settled in time (no queued message, no volunteer waiting)",
            settled,
            f"within {params.settle_timeout:.0f}s of the window's end",
        ),
    ]
    figures = _figures(
        params,
        sent_at,
        fill,
        crowd,
        polls,
        faults,
        stub_messages,
        quiet_hook,
        quiet_roster,
        filled,
        capacity,
    )
    figures["fault effects"] = _fault_effects(stack)
    return Report(found, figures)


def _fault_effects(stack: Stack) -> str:
    """Evidence the faults hit traffic: refused provider calls, rows claimed more than once."""
    from coordinator.models import Message

    stats = stack.stub.stats()
    retried = db.session.scalar(
        select(func.count()).select_from(Message).where(Message.attempts > 1)
    )
    return (
        f"{stats['requests'] - stats['accepted']} provider calls refused (429), "
        f"{retried} messages claimed more than once"
    )


def _figures(
    params: Params,
    sent_at: float,
    fill: dict,
    crowd: Crowd,
    polls: Recorder,
    faults: list[str],
    stub_messages: list[dict],
    quiet_hook: float,
    quiet_roster: float,
    filled: int,
    capacity: int,
) -> dict[str, str]:
    hooks = [e.latency for e in crowd.exchanges if e.persona is not None]
    kinds = statistics_of(crowd)
    p50, p99 = percentile(hooks, 0.5), percentile(hooks, 0.99)
    roster99 = percentile(polls.latencies, 0.99)
    full_after = f"{fill['full'] - sent_at:.1f} s" if "full" in fill else "never"
    staffed_after = f"{fill['staffed'] - sent_at:.1f} s" if "staffed" in fill else "never"
    return {
        "volunteers / places": f"{params.volunteers} / {capacity} ({filled} filled)",
        "call-outs at the provider": str(len({m["to"] for m in stub_messages})),
        "repliers": kinds,
        "webhooks (incl. re-sends)": f"{len(hooks)} "
        f"({sum(e.duplicate_of is not None for e in crowd.exchanges)} re-sends)",
        "faults": ", ".join(faults) or "none injected",
        "Send → every place held": full_after,
        "Send → mission staffed": staffed_after,
        "webhook p50 / p99": f"{p50:.0f} ms / {p99:.0f} ms (quiet p50 {quiet_hook:.0f} ms; "
        f"p99 ratio {p99 / quiet_hook if quiet_hook else 0:.1f}x)",
        "roster p99": f"{roster99:.0f} ms over {len(polls.latencies)} polls, {polls.retried} "
        f"retried after a reset keep-alive (quiet p50 "
        f"{quiet_roster:.0f} ms; ratio {roster99 / quiet_roster if quiet_roster else 0:.1f}x)",
    }


def statistics_of(crowd: Crowd) -> str:
    personas = list(crowd.personas.values())
    count = {
        k: sum(p.kind == k for p in personas)
        for k in ("code", "keys", "yes", "decline", "nonsense", "stop")
    }
    willing = sum(p.willing for p in personas)
    cancels = sum(p.cancel_sent for p in personas)
    offers = sum(p.offers for p in personas)
    return (
        f"{len(personas)} ({willing} willing; "
        + ", ".join(f"{k} {n}" for k, n in count.items())
        + f"; {cancels} cancelled later; {offers} offers answered)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = Params()
    for name in (
        "volunteers",
        "places",
        "vehicles",
        "replies",
        "window",
        "wave_size",
        "wave_interval",
        "pollers",
        "poll_interval",
        "sms_rate",
        "settle_timeout",
        "seed",
    ):
        value = getattr(defaults, name)
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    parser.add_argument("--keep", action="store_true", help="keep the logs even if all pass")
    args = parser.parse_args()
    params = Params(**{k: v for k, v in vars(args).items() if k != "keep"})
    folder = Path(tempfile.mkdtemp(prefix="scenario-"))
    started = time.time()
    report = run(params, folder)
    print(
        f"scenario: {params.volunteers} volunteers, {params.replies} repliers over "
        f"{params.window:.0f}s, {params.pollers} roster pollers; logs in {folder}"
    )
    print(report.text())
    print(
        f"  took {timedelta(seconds=round(time.time() - started))}; "
        f"{'ALL CHECKS PASS' if report.ok else 'SOME CHECKS FAILED'}"
    )
    if report.ok and not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Fixtures: an app on SQLite (and on PostgreSQL where asked), a client, creators.

Creator fixtures (`create_volunteer`, `create_mission`, …) commit what they make, so a
request from the test client, a task or another thread sees it. The fixtures of
tests/support/ are registered once, below, as plugins: a test names them, never imports them.

`make test` runs the suite in parallel (pytest-xdist, `-n 3 --dist loadgroup`). What each
worker process keeps to itself: its PostgreSQL database (`postgres_database`, named after the
worker), its SQLite files and logs (under its own `tmp_path`), its ports (`free_port()`, from
the OS). Redis is shared: every test names its own keys, Celery queues and limiter buckets
(a uuid), and none flushes a database. Tests that start gunicorn, Celery workers or Chromium
are in one xdist group (`pytest.mark.xdist_group("processes")`): they run one at a time on one
worker while the others go through the rest.
"""

import contextlib
import contextvars
import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.ctx import _cv_app
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from coordinator import create_app
from coordinator.extensions import db
from coordinator.models import (
    Mission,
    MissionStatus,
    Position,
    Role,
    Shift,
    StaffRole,
    StaffUser,
    Vehicle,
    Volunteer,
)
from coordinator.models import staff as staff_models
from tests.support import i18n, services
from tests.support.helpers import csrf_token_in

pytest_plugins = [
    "tests.support.api",
    "tests.support.callouts",
    "tests.support.celery_worker",
    "tests.support.conversation",
    "tests.support.coordinator_pages",
    "tests.support.mission_day",
    "tests.support.site",
]

PASSWORD = "correct-horse-7"


def pytest_terminal_summary(terminalreporter) -> None:
    for service, where in services.UNREACHABLE.items():
        terminalreporter.write_line(
            f"!!! SKIPPED tests that need {service}: unreachable at {where}. "
            "Set REQUIRE_SERVICES=1 to make this a failure.",
            red=True,
            bold=True,
        )


def pytest_configure(config: pytest.Config) -> None:
    """Pages in Korean need the compiled catalogue, which a clean clone does not have.

    Compiled once, by the main process, before any xdist worker starts (workers have
    `workerinput`); a worker then finds it up to date.
    """
    if not hasattr(config, "workerinput"):
        i18n.compile_catalogues()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start servers, workers or a browser run one at a time, on one xdist worker.

    Two cores cannot run two of them at once without each timing out the other; meanwhile
    the other workers take the rest (`--dist loadgroup`).
    """
    for item in items:
        if item.get_closest_marker("integration") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("processes"))


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    """Staff passwords hashed at a low work factor, by the same functions production calls.

    Production's scrypt costs 0.1-0.2 s of CPU per hash and per check, on purpose; most tests
    log someone in, and that cost was a tenth of the suite. `real_password_hashes` restores it.
    """
    patch = pytest.MonkeyPatch()
    patch.setattr(
        staff_models,
        "generate_password_hash",
        functools.partial(generate_password_hash, method="pbkdf2:sha256:1000"),
    )
    yield
    patch.undo()


@pytest.fixture
def real_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff_models, "generate_password_hash", generate_password_hash)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test's own session commits before the request (so the request does not wait on
    its transaction) and forgets what it loaded after it (so the test sees the result).
    Staff pages come in English, as from an English browser, unless a test asks otherwise.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args: object, **kwargs: object):
        if _cv_app.get(None) is not None:
            db.session.commit()

        def run():
            _cv_app.set(None)
            return super(IsolatedClient, self).open(*args, **kwargs)

        response = contextvars.copy_context().run(run)
        if _cv_app.get(None) is not None:
            db.session.expire_all()
        return response


def make_app(database_url: str, **overrides: object):
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": overrides.pop("WTF_CSRF_ENABLED", True),
        "OUTBOX_DISPATCH": "off",
        **overrides,
    }
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def postgres_database():
    """A throwaway PostgreSQL database for this test run, dropped at the end."""
    services.need("postgresql")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with services.throwaway_postgres(f"coord_test_{worker}_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database with the whole schema, built once per test process.

    Each test starts from a copy: a file copy takes a millisecond, create_all a third of
    the setup of a test.
    """
    path = tmp_path_factory.mktemp("schema") / "schema.db"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return path


def _build(request: pytest.FixtureRequest, backend: str, tmp_path):
    marker = request.node.get_closest_marker("app_config")
    overrides = dict(marker.kwargs) if marker else {}
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_database")
    else:
        database = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), database)
        url = f"sqlite:///{database}"
    app = make_app(url, **overrides)
    if backend == "postgresql":
        with app.app_context():
            db.drop_all()
            db.create_all()
    return app


@contextlib.contextmanager
def _app_on(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator:
    app = _build(request, backend, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(request, tmp_path):
    """The app on a fresh SQLite file, with an app context pushed for the test body."""
    with _app_on(request, "sqlite", tmp_path) as app:
        yield app


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_app(request, tmp_path):
    """The same test on SQLite and on PostgreSQL."""
    with _app_on(request, request.param, tmp_path) as app:
        yield app


@pytest.fixture
def pg_app(request, tmp_path):
    """The app on PostgreSQL (skipped or failed when unreachable, see services.need)."""
    with _app_on(request, "postgresql", tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def create_staff():
    """Make a staff user: create_staff(role="coordinator", email=None)."""

    def create(role: str = StaffRole.COORDINATOR, email: str | None = None, **fields):
        user = StaffUser(
            email=email or f"{role}-{uuid.uuid4().hex[:6]}@example.org",
            name=fields.pop("name", f"Test {role}"),
            role=role,
            **fields,
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return create


@pytest.fixture
def login(client):
    """Log the test client in as a user: login(user)."""

    def do_login(user: StaffUser, password: str = PASSWORD):
        response = client.get("/login")
        token = csrf_token_in(response.get_data(as_text=True))
        response = client.post(
            "/login", data={"email": user.email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do_login


@pytest.fixture
def csrf_token():
    """The CSRF token in a rendered page: csrf_token(response)."""
    return lambda response: csrf_token_in(response.get_data(as_text=True))


_phone_counter = iter(range(10_000_000))


@pytest.fixture
def create_volunteer():
    """Make a volunteer: create_volunteer(name=…, skills=[…], language="ko", phone=None)."""

    def create(name: str = "김민준", *, skills=("handler",), phone: str | None = None, **fields):
        number = next(_phone_counter)
        volunteer = Volunteer(
            phone=phone or f"+8210{20000000 + number:08d}",
            name=name,
            language=fields.pop("language", "ko"),
            **fields,
        )
        volunteer.set_skills(list(skills))
        db.session.add(volunteer)
        db.session.commit()
        return volunteer

    return create


def local_time(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A time `day_offset` days from now at hour:minute Seoul time, in UTC."""
    from zoneinfo import ZoneInfo

    seoul = ZoneInfo("Asia/Seoul")
    day = datetime.now(seoul).date() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=seoul).astimezone(UTC)


@pytest.fixture
def create_mission():
    """Make a recruiting mission with positions.

    create_mission(roles={"Handler": "handler"}, shifts=[(7, 12)], capacity=2, day=3)
    gives every role × shift a position of `capacity` (or capacity[(role, shift_index)]).
    """
    codes = iter(f"T{i}" for i in range(1, 1000))

    def create(
        title: str = "개농장 구조",
        *,
        roles: dict[str, str | None] | None = None,
        shifts: list[tuple[int, int]] | None = None,
        capacity: int | dict = 2,
        day: int = 3,
        status: str = MissionStatus.RECRUITING,
        code: str | None = None,
        vehicles: list[tuple[str, int, int]] = (),
        **fields,
    ) -> Mission:
        roles = roles if roles is not None else {"Handler": "handler"}
        shifts = shifts or [(7, 12)]
        shift_rows = [
            Shift(
                name=f"{a:02d}-{b:02d}",
                sms_key=("AM" if a < 12 else "PM"),
                starts_at=local_time(day, a),
                ends_at=local_time(day, b),
            )
            for a, b in shifts
        ]
        mission = Mission(
            title=title,
            code=code or next(codes),
            status=status,
            area=fields.pop("area", "경기 남부"),
            address=fields.pop("address", "화성시 어딘가 1-2"),
            meeting_point=fields.pop("meeting_point", "수원역 4번 출구"),
            starts_at=shift_rows[0].starts_at,
            ends_at=max(s.ends_at for s in shift_rows),
            **fields,
        )
        mission.shifts = shift_rows
        for i, (name, skill) in enumerate(roles.items()):
            role = Role(name=name, sms_key=name[0].upper(), required_skill=skill, sort_order=i)
            mission.roles.append(role)
            for j, shift in enumerate(shift_rows):
                cap = capacity.get((name, j), 0) if isinstance(capacity, dict) else capacity
                mission.positions.append(Position(role=role, shift=shift, capacity=cap))
        for label, seats, crates in vehicles:
            mission.vehicles.append(Vehicle(label=label, seats=seats, crate_slots=crates))
        db.session.add(mission)
        db.session.commit()
        return mission

    return create

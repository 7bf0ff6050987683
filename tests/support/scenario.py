"""The whole system as separate local processes, for the load-and-fault scenario.

`Stack` starts, on 127.0.0.1 only: a throwaway PostgreSQL database, a private redis-server
(restartable, so the shared one on 6379 is never touched), the Twilio-compatible stub in its
own process (posting signed status callbacks), gunicorn with several workers, Celery workers
and beat. Every process logs to a file under the run's folder; everything is stopped, and the
database dropped, when the block ends. Used by bench/scenario.py and tests/test_scenario.py.
"""

import contextlib
import os
import signal
import subprocess
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests

from coordinator.sms import gateway
from tests.support import services
from tests.support.callouts import FROM_NUMBER
from tests.support.celery_worker import CELERY, CeleryWorker
from tests.support.helpers import csrf_token_in, free_port, wait_until
from tests.support.twilio_stub import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, StubProcess

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


class RedisServer:
    """A private redis-server on a free port, without persistence: a restart loses everything."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = folder / "redis.log"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(self.log_path),
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_until(lambda: _pings(client), 10, "redis-server to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self, down_seconds: float = 1.0) -> None:
        """Stop the server (queued Celery messages are lost with it) and start it again."""
        self.stop()
        time.sleep(down_seconds)
        self.start()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


class Service:
    """A long-running child process in its own process group, logging to a file."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


@dataclass
class StackSettings:
    gunicorn_workers: int = 4
    gunicorn_threads: int = 4
    celery_workers: int = 2
    celery_concurrency: int = 2
    sms_rate: int = 100
    extra_env: dict[str, str] = field(default_factory=dict)


class Stack:
    """Everything running; `env` is what every process of the app was started with."""

    def __init__(self, folder: Path, settings: StackSettings) -> None:
        self.folder, self.settings = folder, settings
        self.workers: list[CeleryWorker] = []
        self._exits = contextlib.ExitStack()

    def __enter__(self) -> "Stack":
        try:
            self._start()
        except BaseException:
            self._exits.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._exits.close()

    def _start(self) -> None:
        self.database_url = self._exits.enter_context(services.throwaway_postgres("scenario"))
        self.redis = RedisServer(self.folder)
        self._exits.callback(self.redis.stop)
        self.stub = self._exits.enter_context(StubProcess("--callbacks"))
        self.base_url = f"http://127.0.0.1:{free_port()}"
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        values = {
            "APP_ENV": "development",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": "scenario-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "CELERY_BROKER_URL": self.redis.url,
            "PUBLIC_BASE_URL": self.base_url,
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": self.stub.url,
            "SMS_HTTP_TIMEOUT": "5",
            "SMS_RATE_PER_SECOND": str(self.settings.sms_rate),
            # Faster sweeps than production, so recovery fits in a short run.
            "OUTBOX_SWEEP_SECONDS": "3",
            "OUTBOX_QUEUED_STALE_SECONDS": "8",
            "OUTBOX_SENDING_STALE_SECONDS": "20",
            "CALLOUT_WAVE_POLL_SECONDS": "3",
            **self.settings.extra_env,
        }
        return {**os.environ, **values}

    def start_app(self) -> None:
        """gunicorn, the Celery workers and beat (after the schema exists)."""
        port = urllib.parse.urlsplit(self.base_url).port
        access = self.folder / "access.log"
        self.access_log = access
        gunicorn = Service(
            [
                GUNICORN,
                "--workers",
                str(self.settings.gunicorn_workers),
                "--threads",
                str(self.settings.gunicorn_threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "--access-logfile",
                str(access),
                "--access-logformat",
                "%(s)s %(m)s %(U)s %(M)s",
                "wsgi:app",
            ],
            self.env,
            self.folder / "gunicorn.log",
        )
        self._exits.callback(gunicorn.stop)
        wait_until(lambda: _answers(self.base_url + "/healthz"), 60, "gunicorn to serve")
        for _ in range(self.settings.celery_workers):
            self.start_worker()
        self._exits.callback(self._stop_workers)
        beat = Service(
            [
                CELERY,
                "-A",
                "tasks.worker",
                "beat",
                "--loglevel=INFO",
                "-s",
                str(self.folder / "beat-schedule"),
            ],
            self.env,
            self.folder / "beat.log",
        )
        self._exits.callback(beat.stop)

    def start_worker(self) -> CeleryWorker:
        log = self.folder / f"worker-{len(self.workers)}.log"
        worker = CeleryWorker(self.env, log, self.settings.celery_concurrency)
        self.workers.append(worker)
        return worker

    def kill_worker(self, index: int = 0) -> None:
        """SIGKILL a worker and its pool processes, as a machine losing power would."""
        self.workers[index].kill()

    def _stop_workers(self) -> None:
        for worker in self.workers:
            if not worker.log.closed:
                worker.stop()

    def server_errors(self) -> list[str]:
        """Access-log lines of 5xx answers, and gunicorn's own errors (timeouts, crashes)."""
        lines = self.access_log.read_text(errors="replace").splitlines()
        errors = [line for line in lines if line[:1] == "5"]
        log = (self.folder / "gunicorn.log").read_text(errors="replace").splitlines()
        # gunicorn's "[ERROR]"/"[CRITICAL]" (worker timeouts, crashes) and the app's ERROR lines
        # (an unhandled exception); handled trouble, like the broker being away, logs WARNING.
        marks = ("[CRITICAL]", "[ERROR]", " ERROR ", " CRITICAL ")
        return errors + [line for line in log if any(mark in line for mark in marks)]


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


def signed_inbound(base_url: str, form: dict[str, str], *, timeout: float = 30):
    """POST an inbound SMS as Twilio would, signed for PUBLIC_BASE_URL (= base_url)."""
    url = base_url + "/sms/inbound"
    signature = gateway.sign({"TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN}, url, form)
    return requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=timeout)


def staff_session(base_url: str, email: str, password: str) -> requests.Session:
    """A logged-in staff browser session (the login form, CSRF token and all)."""
    session = requests.Session()
    page = session.get(base_url + "/login", timeout=30)
    response = session.post(
        base_url + "/login",
        timeout=30,
        allow_redirects=False,
        data={"email": email, "password": password, "csrf_token": csrf_token_in(page.text)},
    )
    if response.status_code != 302:
        raise RuntimeError(f"login as {email} answered {response.status_code}")
    return session

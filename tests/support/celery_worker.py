"""A real Celery worker process for fan-out tests, with Redis as broker and the Twilio stub.

`fanout` builds the whole pipeline for one test: the app on a fresh database (SQLite file or
PostgreSQL), a Twilio-compatible stub that posts signed status callbacks, a live HTTP server
so those callbacks reach /sms/status, and `fanout.start_worker()` for `celery -A tasks.worker
worker` subprocesses on a queue of their own (several engineers share one Redis).
"""

import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from coordinator.extensions import db
from tests.conftest import make_app
from tests.support import services
from tests.support.callouts import twilio_settings
from tests.support.helpers import free_port, wait_until
from tests.support.twilio_stub import TwilioStub

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


class CeleryWorker:
    """One `celery worker` process group; killed with SIGKILL or stopped with SIGTERM."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int) -> None:
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "tasks.worker",
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "-n",
                f"test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the children too
        )
        wait_until(
            lambda: b" ready." in log_path.read_bytes() or self._died(),
            60,
            "the Celery worker to start",
        )
        if self.process.poll() is not None:
            pytest.fail(f"Celery worker exited:\n{log_path.read_text()[-3000:]}")

    def _died(self) -> bool:
        return self.process.poll() is not None

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as a machine losing power would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


class Fanout:
    def __init__(self, app, stub: TwilioStub, env: dict[str, str], tmp_path: Path) -> None:
        self.app, self.stub, self.env, self.tmp_path = app, stub, env, tmp_path
        self.workers: list[CeleryWorker] = []

    def start_worker(self, concurrency: int = 4, **settings: object) -> CeleryWorker:
        env = {**self.env, **{k: str(v) for k, v in settings.items()}}
        log = self.tmp_path / f"worker-{len(self.workers)}.log"
        worker = CeleryWorker(env, log, concurrency)
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            if not worker.log.closed:
                worker.stop()


@pytest.fixture(name="fanout", params=["sqlite"])
def fanout_fixture(request, tmp_path):
    """The app, stub, live callback server and worker factory, on a fresh database."""
    services.need("redis")
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_database")
    else:
        url = f"sqlite:///{tmp_path / 'fanout.db'}"
    queue = f"fanout-{uuid.uuid4().hex[:10]}"
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    stale = {"OUTBOX_QUEUED_STALE_SECONDS": 2, "OUTBOX_SENDING_STALE_SECONDS": 3}
    with TwilioStub(callbacks=True) as stub:
        settings = {
            **twilio_settings(stub.url),
            **stale,
            "PUBLIC_BASE_URL": public,
            "CELERY_BROKER_URL": services.redis_url(),
            "SMS_BATCH_SIZE": 10,
        }
        app = make_app(
            url,
            OUTBOX_DISPATCH="celery",
            CELERY_DEFAULT_QUEUE=queue,
            CELERY_OVERRIDES={"task_default_queue": queue},
            **settings,
        )
        with app.app_context():
            if request.param == "postgresql":
                db.drop_all()
            db.create_all()
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env = {
            **os.environ,
            **{k: str(v) for k, v in settings.items()},
            "DATABASE_URL": url,
            "CELERY_DEFAULT_QUEUE": queue,
            "APP_ENV": "development",
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SMS_RATE_PER_SECOND": "0",
        }
        harness = Fanout(app, stub, env, tmp_path)
        try:
            with app.app_context():
                yield harness
                db.session.remove()
        finally:
            harness.stop()
            server.shutdown()
            with app.app_context():
                db.engine.dispose()

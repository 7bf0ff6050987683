"""Personal-link and calendar tokens are bearer keys: no log shows them.

gunicorn runs as scripts/run.sh and the Dockerfile run it (`-c gunicorn.conf.py`), with its
access log in a file; a volunteer opens their page, posts a form on it and fetches their
calendar; neither the access log nor the app's own log lines hold the tokens.
"""

import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from coordinator import links
from coordinator.extensions import db
from coordinator.logs import mask_tokens
from tests.support.celery_worker import free_port
from tests.support.helpers import wait_until

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def test_run_sh_and_the_dockerfile_start_gunicorn_with_its_config_file():
    assert "-c gunicorn.conf.py" in (ROOT / "scripts" / "run.sh").read_text()
    assert '"-c", "gunicorn.conf.py"' in (ROOT / "Dockerfile").read_text()


@pytest.mark.parametrize(
    "path",
    [
        "/v/{t}",
        "/v/{t}/take/3",
        "/v/{t}?lang=en",
        "https://rescue.example.org/v/{t}/profile",
        "/ical/{t}.ics",
        "/ical/{t}.ics?x=1",
    ],
)
def test_masking_keeps_the_path_and_hides_the_token(path):
    token = "1a-1-3.ZxY9ab.aB3_-cD4eF5gH6iJ7"
    masked = mask_tokens(path.format(t=token))
    assert masked == path.format(t="***")


def test_no_token_in_gunicorns_access_log_or_the_apps_log(app, create_volunteer, tmp_path):
    volunteer = create_volunteer()
    token, calendar = links.make_token(volunteer), links.make_calendar_token(volunteer)
    db.session.commit()
    port = free_port()
    access_log, output = tmp_path / "access.log", tmp_path / "gunicorn.out"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CELERY_BROKER_URL": "memory://",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "SMS_BACKEND": "console",
    }
    with open(output, "wb") as out:
        server = subprocess.Popen(
            [
                GUNICORN,
                "-c",
                "gunicorn.conf.py",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                str(access_log),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(base + "/login"), 60, "gunicorn to serve")
        browser = requests.Session()
        page = browser.get(f"{base}/v/{token}", timeout=30)
        assert page.status_code == 200
        pause = browser.post(
            f"{base}/v/{token}/pause",
            timeout=30,
            headers={"Referer": f"{base}/v/{token}"},
            data={"csrf_token": CSRF_META.search(page.text).group(1), "until": "2099-01-01"},
        )
        assert pause.status_code < 500
        assert browser.get(f"{base}/ical/{calendar}.ics", timeout=30).status_code == 200
        # gunicorn writes a line after answering: wait for the last request's
        wait_until(lambda: "GET /ical/" in access_log.read_text(), 60, "the access log")
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = access_log.read_text() + output.read_text()
    assert token not in logged and calendar not in logged
    signature = token.rsplit(".", 1)[1]
    assert signature not in logged
    assert '"GET /v/*** HTTP/1.1" 200' in logged and "GET /ical/***.ics" in logged
    assert "path=/v/***" in logged, "the app's request log names the masked path"


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=10).status_code < 500
    except requests.RequestException:
        time.sleep(0.2)
        return False

"""A newcomer's demo: `make run` on a fresh copy gives a product that works, and Ctrl-C ends it.

Several gunicorn workers, a real Celery worker and beat, no SECRET_KEY in the environment:
every page loads for a logged-in coordinator whichever worker answers, a call-out sent from
the web form reaches every volunteer, and each personal link in those SMS opens.
"""

import itertools
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from coordinator.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.support.celery_worker import free_port
from tests.support.helpers import wait_until
from tests.support.make_run import MakeRun, copy_working_tree

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STAFF_PAGES = ["/", "/callouts/", "/volunteers/", "/inbox/", "/reports/", "/day/"]


def fresh_get(url: str, cookies: requests.cookies.RequestsCookieJar) -> requests.Response:
    """One GET on a new connection (so any gunicorn worker may answer), no redirects."""
    return requests.get(
        url, cookies=cookies, headers={"Connection": "close"}, allow_redirects=False, timeout=60
    )


def log_in(base: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=60)
    answer = browser.post(
        base + "/login",
        timeout=60,
        allow_redirects=False,
        data={
            "csrf_token": CSRF.search(page.text).group(1),
            "email": DEMO_EMAIL,
            "password": DEMO_PASSWORD,
        },
    )
    assert answer.status_code == 302, answer.text[:500]
    assert not answer.headers["Location"].startswith("/login")
    return browser


def send_urgent_call_out(base: str, browser: requests.Session) -> str:
    board = fresh_get(base + "/", browser.cookies).text
    mission_id = re.search(r"/missions/(\d+)/callouts/new", board) or re.search(
        r'href="/missions/(\d+)"', board
    )
    form_url = f"{base}/missions/{mission_id.group(1)}/callouts/new"
    form = fresh_get(form_url, browser.cookies)
    assert form.status_code == 200, form.text[:500]
    sent = requests.post(
        form_url,
        cookies=browser.cookies,
        allow_redirects=False,
        timeout=60,
        headers={"Connection": "close"},
        data={
            "csrf_token": CSRF.search(form.text).group(1),
            "wave_size": "50",
            "wave_interval_minutes": "15",
            "is_urgent": "y",
        },
    )
    assert sent.status_code == 302, sent.text[:1000]
    return base + sent.headers["Location"]


def test_make_run_on_a_fresh_copy_serves_logins_call_outs_and_links_then_stops_on_ctrl_c(
    tmp_path,
):
    folder = tmp_path / "clone"
    folder.mkdir()
    run = MakeRun(copy_working_tree(folder))
    try:
        run.wait_until_serving()
        base = run.base_url
        browser = log_in(base)

        mission_pages = sorted(
            set(re.findall(r'href="(/missions/\d+)"', fresh_get(base + "/", browser.cookies).text))
        )
        pages = list(itertools.islice(itertools.cycle(STAFF_PAGES + mission_pages), 20))
        answers = [
            (path, r.status_code, r.headers.get("Location"))
            for path, r in ((p, fresh_get(base + p, browser.cookies)) for p in pages)
        ]
        assert [a for a in answers if a[1] != 200] == [], "pages bounced or failed"

        callout_url = send_urgent_call_out(base, browser)

        def all_handed_over():
            progress = fresh_get(callout_url + "/progress.json", browser.cookies).json()
            done = progress["total"] and not progress["queued"]
            return progress if done else None

        progress = wait_until(all_handed_over, 120, "the call-out to be handed to the console")
        links = wait_until(
            lambda: len(run.personal_links()) >= progress["total"] and run.personal_links(),
            30,
            "the console to print every link",
        )
        assert progress["delivered"] == progress["total"] == len(links)
        opened = [
            (link, fresh_get(link, requests.cookies.RequestsCookieJar()).status_code)
            for link in links
        ]
        assert [o for o in opened if o[1] != 200] == [], "personal links that do not open"
        tokens = [link.rsplit("/v/", 1)[1] for link in links]
        request_lines = [
            line
            for line in run.output().splitlines()
            if '"GET /' in line or "request method=" in line
        ]
        assert any('"GET /v/*** HTTP/1.1" 200' in line for line in request_lines)
        assert [line for line in request_lines if any(t in line for t in tokens)] == [], (
            "personal-link tokens in the access log or the app's request log"
        )

        took = run.interrupt(timeout=30)
        assert run.processes() == [], "still running after Ctrl-C"
        assert took < 10, f"Ctrl-C took {took:.1f}s to stop everything"
    finally:
        run.stop()


def test_ctrl_c_stops_gunicorn_in_seconds_even_mid_request(tmp_path):
    """Ctrl-C reaches the master and every worker at once, and the master then sends each
    worker SIGQUIT too; gunicorn.conf.py keeps the second signal from deadlocking a worker."""
    took = []
    for _ in range(3):
        port = free_port()
        with open(tmp_path / "gunicorn.log", "ab") as log:
            server = subprocess.Popen(
                [
                    GUNICORN,
                    "-c",
                    "gunicorn.conf.py",
                    "--workers",
                    "3",
                    "--threads",
                    "4",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "wsgi:app",
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={
                    **os.environ,
                    "SECRET_KEY": "k" * 40,
                    "CELERY_BROKER_URL": "memory://",
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}",
                },
            )
        try:
            login_page = f"http://127.0.0.1:{port}/login"
            wait_until(lambda url=login_page: _serves(url), 60, "gunicorn")
            started = time.monotonic()
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=60)
            took.append(time.monotonic() - started)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    assert max(took) < 10, f"Ctrl-C took {took} seconds"


def _serves(url: str) -> bool:
    try:
        return requests.get(url, timeout=10).status_code < 500
    except requests.RequestException:
        return False

"""`make run` on a fresh copy of the working tree, as a newcomer starts the product.

The copy holds the files git knows (as they are on disk now) and a link to the shared
virtualenv; nothing else: no instance/ folder, no .env, no compiled catalogue. The
environment has no SECRET_KEY, database, broker or SMS settings, only PATH, HOME, locale and
PORT. `make` is told its install stamp is up to date (`-o`) so it never pip-installs into the
shared virtualenv; every other step (`pybabel compile`, `flask db upgrade`, `flask demo`,
`scripts/run.sh`) runs as written. Its output goes to a file, read by the test.
"""

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.support.celery_worker import free_port
from tests.support.helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")


def copy_working_tree(target: Path) -> Path:
    """The tracked files of this checkout, as on disk, and a link to its virtualenv."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to((ROOT / ".venv").resolve())
    return target


class MakeRun:
    """`make run` in its own process group, so Ctrl-C can be sent as a terminal sends it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder.parent / "make-run.log"
        env = {k: v for k, v in os.environ.items() if k in KEPT_ENV}
        env["PORT"] = str(self.port)
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            ["make", "-o", ".venv/.installed", "run"],
            cwd=folder,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, timeout: float = 180) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"make run exited:\n{self.output()[-3000:]}")
            return "Rescue coordinator is running" in self.output() and " ready." in self.output()

        wait_until(ready, timeout, "make run to start the web app and the Celery worker", 0.3)

    def personal_links(self) -> list[str]:
        """Every personal link the console SMS backend printed."""
        pattern = re.escape(self.base_url) + r"/v/[\w.\-]+"
        return sorted(set(re.findall(pattern, self.output())))

    def processes(self) -> list[str]:
        """The processes still in make's process group (make, bash, gunicorn, celery...)."""
        listing = subprocess.run(
            ["ps", "-o", "pid=,stat=,args=", "-s", str(self.process.pid)],
            capture_output=True,
            text=True,
        ).stdout
        return [line for line in listing.splitlines() if line.split()[1][0] != "Z"]

    def interrupt(self, timeout: float) -> float:
        """Ctrl-C: SIGINT to the whole foreground group; seconds until nothing is left."""
        started = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        while self.processes() and time.monotonic() - started < timeout:
            time.sleep(0.1)
        return time.monotonic() - started

    def stop(self) -> None:
        """Whatever is left, killed (the test has already judged the shutdown)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=10)
        self._log.close()

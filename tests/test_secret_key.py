"""One secret for every process of a development installation.

Without SECRET_KEY in the environment, gunicorn's workers, the Celery worker and beat and
`flask` commands must all sign with the same key, or a personal link signed by the worker
answers 404 on the web and every other page load bounces a coordinator to the login page.
"""

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import config

ROOT = Path(__file__).resolve().parent.parent
PRINT_KEY = "from coordinator import create_app; print(create_app().secret_key)"


def _development_env(key_file: Path, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        APP_ENV="development",
        SECRET_KEY_FILE=str(key_file),
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.db'}",
        CELERY_BROKER_URL="memory://",
    )
    return env


def _key_of_a_new_process(env: dict[str, str], code: str = PRINT_KEY) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_processes_started_without_a_secret_key_share_one_kept_in_a_private_file(tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    env = _development_env(key_file, tmp_path)

    web = _key_of_a_new_process(env)
    worker = _key_of_a_new_process(
        env, "from tasks.worker import flask_app; print(flask_app.secret_key)"
    )

    assert web == worker and len(web) >= 32
    assert key_file.read_text().strip() == web
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_processes_racing_to_create_the_secret_all_end_with_the_same_one(tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    code = (
        "import sys, config; from pathlib import Path; "
        "print(config.development_secret(Path(sys.argv[1])))"
    )
    command = [sys.executable, "-c", code, str(key_file)]

    def one(_: int) -> str:
        return subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(one, range(16)))

    assert keys == {key_file.read_text().strip()}
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"], "temporary files left"


def test_a_damaged_secret_file_is_named_not_silently_replaced(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("")
    with pytest.raises(config.ConfigError, match="secret_key"):
        config.development_secret(key_file)
    assert key_file.read_text() == ""


def test_the_secret_file_is_not_in_git():
    ignored = subprocess.run(["git", "check-ignore", "-q", "instance/secret_key"], cwd=ROOT)
    assert ignored.returncode == 0

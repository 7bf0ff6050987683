"""The production stack description stays valid (no Docker engine here, so not run)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support import services

ROOT = Path(__file__).resolve().parent.parent


def _compose_command() -> list[str]:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        return [legacy]
    message = "docker compose is not installed (apt-get install docker-compose)"
    if services.required():
        pytest.fail(message, pytrace=False)
    services.UNREACHABLE["docker compose"] = "not installed"
    pytest.skip(message)


def test_docker_compose_accepts_the_stack_description():
    env = {**os.environ, "SECRET_KEY": "x" * 40, "PUBLIC_BASE_URL": "https://rescue.example.org"}
    result = subprocess.run(
        [*_compose_command(), "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_stack_runs_every_part_with_health_checks_and_migrations_first():
    stack = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services_ = stack["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(services_)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services_[name], name
    for name in ("web", "worker", "beat"):
        assert services_[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services_["migrate"]["command"] == ["flask", "db", "upgrade"]

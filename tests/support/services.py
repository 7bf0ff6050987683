"""Reaching PostgreSQL and Redis for the tests that need them.

Unreachable services skip those tests with one loud summary line, unless
REQUIRE_SERVICES=1 (as in CI), which turns an unreachable service into a failure.
"""

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator

import pytest

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

UNREACHABLE: dict[str, str] = {}


def required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def postgres_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL)


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)


@functools.cache
def _postgres_error() -> str | None:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(postgres_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return None


@functools.cache
def _redis_error() -> str | None:
    import redis

    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=2).ping()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


CHROMIUM = "/usr/bin/chromium"


@functools.cache
def _chromium_error() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return "not installed (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"playwright missing: {error}"
    return None


@contextlib.contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A new database on the local PostgreSQL server, dropped (forcibly) at the end."""
    import sqlalchemy

    admin = sqlalchemy.make_url(postgres_url())
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = sqlalchemy.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


def need(service: str) -> None:
    """Skip (or fail, when required) the calling test if `service` is unreachable."""
    checks = {"postgresql": _postgres_error, "redis": _redis_error, "chromium": _chromium_error}
    error = checks[service]()
    if error is None:
        return
    where = {"postgresql": postgres_url(), "redis": redis_url()}.get(service, CHROMIUM)
    UNREACHABLE[service] = f"{where} ({error})"
    message = f"{service} unreachable at {where}: {error}"
    if required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(message)

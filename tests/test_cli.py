"""`flask …` commands: clear messages and non-zero exits on bad input, nothing half-written."""

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import ApiToken, Mission, StaffUser, Volunteer
from coordinator.models.staff import hash_token

ROOT = Path(__file__).resolve().parent.parent


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _flask(args: list[str], database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi:app"}
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_upgrade_builds_the_whole_schema_on_an_empty_sqlite_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = _flask(["db", "upgrade"], url)
    assert result.returncode == 0, result.stderr
    tables = set(sqlalchemy.inspect(sqlalchemy.create_engine(url)).get_table_names())
    assert set(db.metadata.tables) <= tables


def test_db_upgrade_builds_the_whole_schema_on_an_empty_postgresql_database(postgres_database):
    engine = sqlalchemy.create_engine(postgres_database)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    result = _flask(["db", "upgrade"], postgres_database)
    assert result.returncode == 0, result.stderr
    assert set(db.metadata.tables) <= set(sqlalchemy.inspect(engine).get_table_names())
    check = _flask(["db", "check"], postgres_database)  # models and migrations agree
    assert check.returncode == 0, check.stdout + check.stderr
    engine.dispose()


def test_the_migrations_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert _flask(["db", "upgrade"], url).returncode == 0
    check = _flask(["db", "check"], url)
    assert check.returncode == 0, check.stdout + check.stderr


def test_loading_the_demo_twice_adds_nothing_the_second_time(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = (_count(Volunteer), _count(Mission), _count(StaffUser))
    assert counts[0] >= 40 and counts[1] == 2
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert (_count(Volunteer), _count(Mission), _count(StaffUser)) == counts
    assert "0 volunteers and 0 missions added" in second.output


def test_the_demo_missions_are_a_farm_closure_and_a_horse_rescue(app, runner):
    runner.invoke(args=["demo"])
    missions = {m.code: m for m in db.session.scalars(select(Mission))}
    farm, horse = missions["F1"], missions["H2"]
    assert farm.animals_expected == 60 and len(farm.shifts) == 2
    assert {r.required_skill for r in farm.roles} >= {"handler", "driver", "vet"}
    assert any(v.kind == "trailer" for v in horse.vehicles)
    assert any(r.required_skill == "large-animal" for r in horse.roles)


def test_creating_a_staff_user_hashes_the_password(app, runner, real_password_hashes):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Lead@Example.org",
            "--role",
            "team_lead",
            "--password",
            "mud-and-boots-9",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(StaffUser))
    assert user.email == "lead@example.org"
    assert user.password_hash.startswith("scrypt:")  # werkzeug's costly default
    assert user.check_password("mud-and-boots-9") and not user.check_password("mud-and-boots")


def test_bad_staff_input_is_named_and_nothing_is_written(app, runner):
    cases = [
        (
            ["users", "create", "not-an-email", "--role", "admin", "--password", "long-enough-1"],
            "not an email",
        ),
        (["users", "create", "a@b.org", "--role", "boss", "--password", "long-enough-1"], "boss"),
        (["users", "create", "a@b.org", "--role", "admin", "--password", "short1"], "at least 10"),
        (["users", "token", "nobody@b.org"], "no staff user"),
    ]
    for args, expected in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert expected in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert _count(StaffUser) == 0 and _count(ApiToken) == 0


def test_an_api_token_is_shown_once_and_stored_hashed(app, runner, create_staff):
    user = create_staff(email="api@example.org")
    result = runner.invoke(args=["users", "token", "api@example.org"])
    clear = result.output.strip()
    assert result.exit_code == 0 and clear.startswith("rc_")
    stored = db.session.scalar(select(ApiToken).filter_by(user_id=user.id))
    assert stored.token_hash == hash_token(clear) and clear not in stored.token_hash


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_its_public_url(tmp_path):
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "k" * 40,
        "PUBLIC_BASE_URL": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL must be set" in result.stderr
    assert "Traceback" not in result.stderr

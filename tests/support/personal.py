"""Personal-page test helpers: a real HTTP server, and a snapshot a GET must leave alone."""

import contextlib
import threading
from collections.abc import Iterator

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from coordinator import links
from coordinator.extensions import db
from coordinator.models import (
    Attendance,
    Invitation,
    Message,
    Position,
    Signup,
    Vehicle,
    Volunteer,
    VolunteerSkill,
)

SNAPSHOT_MODELS = (
    Signup,
    Invitation,
    Volunteer,
    VolunteerSkill,
    Vehicle,
    Position,
    Message,
    Attendance,
)


@contextlib.contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve `app` on a free local port from a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _row(obj: object) -> tuple:
    columns = obj.__table__.columns  # type: ignore[attr-defined]
    return tuple((c.key, getattr(obj, c.key)) for c in columns)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the tables a volunteer's answers could touch, in a comparable form."""
    db.session.expire_all()
    return {
        model.__tablename__: sorted(map(_row, db.session.scalars(select(model))), key=repr)
        for model in SNAPSHOT_MODELS
    }


def path(volunteer: Volunteer, mission_id: int | None = None, suffix: str = "") -> str:
    """The site-relative personal link of a volunteer (and mission), plus `suffix`."""
    return f"/v/{links.make_token(volunteer, mission_id)}{suffix}"

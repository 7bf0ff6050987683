"""GET /healthz for load balancers: database and broker reachability."""

from flask import Blueprint, current_app, redirect, url_for
from sqlalchemy import text

from coordinator.extensions import db
from coordinator.security import public

bp = Blueprint("health", __name__)


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False


def _broker_ok() -> bool:
    try:
        celery = current_app.extensions["celery"]
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@bp.get("/healthz")
@public
def healthz():
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    # Without its database this node can do nothing; without the broker the outbox keeps
    # messages safe until it returns, so the node still serves pages and webhooks.
    healthy = checks["database"]
    status = "ok" if all(checks.values()) else ("degraded" if healthy else "unavailable")
    return {"status": status, **checks}, 200 if healthy else 503


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers and bookmarks that ask for the old path get the icon every page names."""
    return redirect(url_for("static", filename="favicon.svg"), 301)

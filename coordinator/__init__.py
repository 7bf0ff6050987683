"""The rescue call-out coordinator: create_app() reads like a table of contents."""

from pathlib import Path

from flask import Flask

import config as config_module
from coordinator.extensions import babel, celery_init_app, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, *, config_name: str | None = None) -> Flask:
    """Build the Flask app: config, extensions, blueprints, CLI, Celery."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    config_cls = config_module.config_class("testing" if test_config else config_name)
    app.config.from_object(config_cls)
    if test_config:
        app.config.update(test_config)
    config_cls.check(app.config)
    app.config["CELERY"] = config_cls.celery_settings(app.config["CELERY_BROKER_URL"])
    app.config["CELERY"].update(app.config.get("CELERY_OVERRIDES", {}))
    Path(app.instance_path).mkdir(exist_ok=True)

    from coordinator import database, i18n, logs, ratelimit, request_limits, security

    logs.init_app(app)
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    request_limits.init_app(app)  # before CSRF: a refused body is never read
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    security.init_app(app)
    ratelimit.init_app(app)

    from coordinator.web import register_blueprints

    register_blueprints(app)

    from coordinator import api

    api.init_app(app)

    from coordinator import cli

    cli.init_app(app)
    celery_init_app(app)
    return app

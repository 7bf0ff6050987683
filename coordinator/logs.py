"""Structured logs: one key=value line per request and per Celery task.

Lines such as `request method=POST path=/sms/inbound status=200 ms=12.4 user=3` are easy to
read in a terminal and to parse in a log collector; ids of missions, messages and call-outs
appear as they are in URLs and task arguments. Personal-link and calendar tokens are bearer
keys: paths are logged with them masked (`/v/***/take/3`), here and in gunicorn's access log
(gunicorn.conf.py).
"""

import logging
import re
import time

from celery.signals import task_failure, task_postrun, task_prerun
from flask import Flask, g, request
from flask_login import current_user

log = logging.getLogger("coordinator.requests")
# /v/<token>/… (personal page) and /ical/<token>.ics (calendar feed), also inside full URLs.
_TOKEN_IN_PATH = re.compile(
    r"(/v/)[^/?#\s\"]+|(/ical/)[^/?#\s\"]+?(?=\.ics(?:[?#\s\"]|$))|(/ical/)[^/?#\s\"]+"
)
task_log = logging.getLogger("coordinator.tasks")
_task_started: dict[str, float] = {}


def mask_tokens(text: str) -> str:
    """`text` with every personal-link and calendar token replaced by ***."""
    return _TOKEN_IN_PATH.sub(lambda m: next(filter(None, m.groups())) + "***", text)


def _fields(**values: object) -> str:
    return " ".join(f"{key}={value}" for key, value in values.items() if value is not None)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response):
    started = g.pop("request_started", None)
    if started is None or request.endpoint == "static":
        return response
    user = current_user.id if current_user and current_user.is_authenticated else None
    log.info(
        "request %s",
        _fields(
            method=request.method,
            path=mask_tokens(request.path),
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
            user=user,
            endpoint=request.endpoint,
            **{k: v for k, v in (request.view_args or {}).items() if k.endswith("_id")},
        ),
    )
    return response


@task_prerun.connect
def _task_started_signal(task_id=None, task=None, args=None, **kwargs):
    _task_started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_done(task_id=None, task=None, args=None, state=None, **kwargs):
    started = _task_started.pop(task_id, None)
    ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    shown = list(args or [])[:3]
    task_log.info("task %s", _fields(name=task.name, id=task_id, state=state, ms=ms, args=shown))


@task_failure.connect
def _task_failed(task_id=None, exception=None, sender=None, **kwargs):
    task_log.warning(
        "task %s", _fields(name=getattr(sender, "name", None), id=task_id, error=repr(exception))
    )


def init_app(app: Flask) -> None:
    level = logging.DEBUG if app.debug else logging.INFO
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("coordinator").setLevel(level)
    app.before_request(_start_timer)
    app.after_request(_log_request)

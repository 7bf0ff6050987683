"""Request limits shared by every web process: Flask-Limiter's storage and strategy.

In production the counts live in Redis (`RATELIMIT_STORAGE_URI`, or the broker when it is
Redis), so four gunicorn workers on two machines allow what one would; in development and
tests they live in memory. The client address comes from `request.remote_addr`, which
ProxyFix sets from X-Forwarded-For only for the configured number of trusted proxies
(`TRUSTED_PROXIES`), so a TLS proxy in front does not put everyone in one bucket.

If the storage is unreachable the limiter lets requests through (and logs it): a
volunteer must never be locked out of a rescue because a counter is down.
"""

import logging

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, RateLimitItemPerSecond
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)

EXTENSION_KEY = "coordinator_limiter"


def client_address() -> str:
    """The client's address as far as trusted proxies vouch for it (see init_app)."""
    return request.remote_addr or "unknown"


def _item(limit: int, window_seconds: int) -> RateLimitItem:
    return RateLimitItemPerSecond(limit, window_seconds)


def _limiter() -> Limiter:
    return current_app.extensions[EXTENSION_KEY]


def _keys(key: str) -> tuple[str, str]:
    return current_app.config["RATELIMIT_KEY_PREFIX"], key


def allow(key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one hit for `key`; False once it has had more than `limit` in this window."""
    try:
        return _limiter().limiter.hit(_item(limit, window_seconds), *_keys(key))
    except Exception as error:
        log.warning("rate limiter unavailable (%s); letting the request through", error)
        return True


class SharedAttempts:
    """Failure counts for the login throttle (coordinator.domain.staff.AttemptCounter)."""

    def exceeded(self, key: str, limit: int, window_seconds: int) -> bool:
        try:
            return not _limiter().limiter.test(_item(limit, window_seconds), *_keys(key))
        except Exception as error:
            log.warning("rate limiter unavailable (%s); not holding the login back", error)
            return False

    def failed(self, key: str, limit: int, window_seconds: int) -> None:
        allow(key, limit, window_seconds)

    def clear(self, key: str, limit: int, window_seconds: int) -> None:
        try:
            _limiter().limiter.clear(_item(limit, window_seconds), *_keys(key))
        except Exception as error:
            log.warning("rate limiter unavailable (%s); failure count not cleared", error)


def storage_uri(config: dict) -> str:
    """The configured storage, else Redis when the broker is Redis, else this process."""
    uri = config.get("RATELIMIT_STORAGE_URI") or ""
    broker = config.get("CELERY_BROKER_URL") or ""
    if not uri and broker.startswith(("redis://", "rediss://")):
        uri = broker
    return uri or "memory://"


def init_app(app: Flask) -> None:
    """Trust exactly TRUSTED_PROXIES proxies for the client address; bind the limiter."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    uri = storage_uri(app.config)
    app.config["RATELIMIT_STORAGE_URI"] = uri
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "coordinator")
    if uri == "memory://" and app.config.get("ENV_NAME") == "production":
        log.warning(
            "request limits are per process: set RATELIMIT_STORAGE_URI to a Redis URL "
            "so every web worker shares them"
        )
    options: dict[str, str | int] = (
        {"socket_timeout": 1, "socket_connect_timeout": 1} if uri.startswith("redis") else {}
    )
    limiter = Limiter(
        key_func=client_address,
        storage_uri=uri,
        storage_options=options,
        swallow_errors=True,
        key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
    )
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter

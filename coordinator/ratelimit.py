"""A small fixed-window rate limiter: at most N hits per key per window.

With a Redis broker (production) the counts live in Redis, shared by every web worker;
with the embedded default they live in this process, which is what a single-machine
install runs anyway. If Redis is unreachable the limiter lets requests through: a
volunteer must never be locked out of a rescue because a counter is down.
"""

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app

log = logging.getLogger(__name__)

EXTENSION_KEY = "rate_limiter"


class MemoryCounter:
    """Counts per (key, window) in this process; old windows are dropped as time moves on."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}

    def hit(self, key: str, window_seconds: int) -> int:
        window = int(self.clock() // window_seconds)
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
        return count


class RedisCounter:
    """Counts per (key, window) in Redis with INCR + EXPIRE, atomic across workers."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        import redis

        self.clock = clock
        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def hit(self, key: str, window_seconds: int) -> int:
        window = int(self.clock() // window_seconds)
        name = f"ratelimit:{key}:{window}"
        try:
            pipe = self.client.pipeline()
            pipe.incr(name)
            pipe.expire(name, window_seconds * 2)
            count, _ = pipe.execute()
        except Exception as error:  # noqa: BLE001  fail open, see the module docstring
            log.warning("rate limiter unavailable (%s); letting the request through", error)
            return 0
        return int(count)


def counter_for(config: dict) -> MemoryCounter | RedisCounter:
    """Redis when the broker is Redis, otherwise in-process."""
    url = config.get("RATE_LIMIT_REDIS_URL") or config.get("CELERY_BROKER_URL") or ""
    if url.startswith(("redis://", "rediss://")):
        return RedisCounter(url)
    return MemoryCounter()


def _counter() -> MemoryCounter | RedisCounter:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    counter = app.extensions.get(EXTENSION_KEY)
    if counter is None:
        counter = app.extensions.setdefault(EXTENSION_KEY, counter_for(app.config))
    return counter


def allow(key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one hit for `key`; False once it has had more than `limit` in this window."""
    return _counter().hit(key, window_seconds) <= limit

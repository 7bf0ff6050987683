"""One send rate for the whole system: at most SMS_RATE_PER_SECOND messages reach the provider.

Every worker, on every machine, reserves a sending slot before each provider call. Slots are
handed out by a GCRA token bucket with no burst: each reservation takes the next free slot,
`interval` seconds after the previous one, and the caller sleeps until its slot comes. The
bucket lives in Redis when the broker is Redis (production) and in the database for the
embedded default, so it is shared however many workers run.

The interval is SPACING_MARGIN wider than 1/rate: a message reaches the provider some time
after its slot (a busy machine can deschedule a worker between its slot and its request),
and without the margin that jitter could put rate + 1 arrivals into one second. With a
margin m, one second holds more than `rate` arrivals only if a request is late by more
than (rate - 1) * m / rate - 1 seconds: 1.25 tolerates ~190 ms of lateness at 20/s.
The price is 20% of the configured rate when it binds; set SMS_RATE_PER_SECOND to the
provider's limit and the margin keeps us under it.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, insert, update
from sqlalchemy.exc import IntegrityError

from coordinator.extensions import db
from coordinator.models.messaging import SmsRateBucket

SPACING_MARGIN = 1.25

# Reserve the next slot atomically; Redis' own clock, so machines with skewed clocks agree.
RESERVE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1]) * tonumber(ARGV[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local ttl = math.ceil((slot + interval - now) * 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.6f', slot + interval), 'PX', ttl)
return string.format('%.6f', slot - now)
"""


class RateLimiter(ABC):
    """Hands out sending slots; `wait()` returns once this caller may send one message."""

    def __init__(self, rate_per_second: float, name: str) -> None:
        self.interval = SPACING_MARGIN / rate_per_second
        self.name = name

    @abstractmethod
    def reserve(self, count: int = 1) -> float:
        """Take the next `count` slots, `interval` apart; return seconds until the first."""

    def wait(self) -> float:
        """Sleep until a slot is ours; return how long we slept."""
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)
        return delay

    def chunk(self, most: int, window: float = 0.05) -> int:
        """How many slots to take at once so they all fall within `window` seconds."""
        if self.interval <= 0:
            return most
        return max(1, min(most, int(window / self.interval)))


class Unlimited(RateLimiter):
    """SMS_RATE_PER_SECOND=0: no limit (benchmarks, a provider with its own queue)."""

    def __init__(self) -> None:
        self.interval = 0.0
        self.name = "unlimited"

    def reserve(self, count: int = 1) -> float:
        return 0.0


class RedisRateLimiter(RateLimiter):
    def __init__(self, rate_per_second: float, name: str, redis_url: str) -> None:
        import redis

        super().__init__(rate_per_second, name)
        self.client = redis.Redis.from_url(redis_url)
        self.script = self.client.register_script(RESERVE_SCRIPT)

    def reserve(self, count: int = 1) -> float:
        return float(self.script(keys=[self.name], args=[f"{self.interval:.6f}", count]))


class DatabaseRateLimiter(RateLimiter):
    """The bucket as one row; each reservation is one short transaction of its own."""

    def __init__(self, rate_per_second: float, name: str) -> None:
        super().__init__(rate_per_second, name)
        self.engine = db.engine  # bound now, so threads without an app context can use it

    def reserve(self, count: int = 1) -> float:
        now = time.time()
        span = self.interval * count
        bucket = SmsRateBucket.__table__
        take = (
            update(bucket)
            .where(bucket.c.name == self.name)
            .values(next_at=case((bucket.c.next_at > now, bucket.c.next_at), else_=now) + span)
            .returning(bucket.c.next_at)
        )
        # Its own connection: the caller's session may be mid-transaction, and the row
        # lock must be held for milliseconds, not for a whole batch.
        with self.engine.begin() as connection:
            next_at = connection.execute(take).scalar()
        if next_at is None:
            self._create()
            return self.reserve(count)
        return max(0.0, next_at - span - now)

    def _create(self) -> None:
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(SmsRateBucket.__table__).values(name=self.name))
        except IntegrityError:
            pass  # another worker created it first


_limiters: dict[tuple, RateLimiter] = {}
_lock = threading.Lock()


def get_limiter(config: Mapping[str, Any]) -> RateLimiter:
    """The limiter for this config: Redis with a Redis broker, else the database."""
    rate = float(config.get("SMS_RATE_PER_SECOND") or 0)
    broker = str(config.get("CELERY_BROKER_URL") or "")
    name = f"sms-rate:{config.get('CELERY_DEFAULT_QUEUE') or 'celery'}"
    if rate <= 0:
        return Unlimited()
    if not broker.startswith(("redis://", "rediss://")):
        return DatabaseRateLimiter(rate, name)
    key = (rate, broker, name)
    with _lock:
        if key not in _limiters:
            _limiters[key] = RedisRateLimiter(rate, name, broker)
        return _limiters[key]

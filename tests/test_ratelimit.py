"""The global send rate: slots shared by every worker, in Redis or in the database."""

import threading
import time
import uuid

import pytest

from coordinator.sms.ratelimit import (
    SPACING_MARGIN,
    DatabaseRateLimiter,
    RedisRateLimiter,
    Unlimited,
    get_limiter,
)
from tests.support import services


def busiest_second(times: list[float]) -> int:
    times.sort()
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def hammer(limiter, threads: int, each: int) -> list[float]:
    """`threads` workers each send `each` messages as fast as the limiter lets them."""
    sent: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(each):
            limiter.wait()
            with lock:
                sent.append(time.time())

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sent


def test_database_slots_are_spaced_by_the_rate_with_a_margin(app):
    limiter = DatabaseRateLimiter(10, "test")

    delays = [limiter.reserve() for _ in range(5)]

    gaps = [b - a for a, b in zip(delays, delays[1:], strict=False)]
    assert delays[0] < 0.05
    assert all(gap == pytest.approx(SPACING_MARGIN / 10, abs=0.02) for gap in gaps)


def test_four_threads_never_exceed_the_rate_in_any_second_with_the_database_bucket(app):
    sent = hammer(DatabaseRateLimiter(20, "test"), threads=4, each=12)

    assert len(sent) == 48 and busiest_second(sent) <= 20


def test_four_threads_never_exceed_the_rate_in_any_second_with_the_redis_bucket():
    services.need("redis")
    limiter = RedisRateLimiter(20, f"test-rate-{uuid.uuid4().hex}", services.redis_url())

    sent = hammer(limiter, threads=4, each=12)

    assert len(sent) == 48 and busiest_second(sent) <= 20


def test_the_bucket_follows_the_broker_and_zero_means_no_limit(app):
    services.need("redis")
    redis_config = {"SMS_RATE_PER_SECOND": 5, "CELERY_BROKER_URL": services.redis_url()}
    assert isinstance(get_limiter(redis_config), RedisRateLimiter)
    assert isinstance(
        get_limiter({**redis_config, "CELERY_BROKER_URL": "sqla+sqlite://"}), DatabaseRateLimiter
    )
    assert isinstance(get_limiter({**redis_config, "SMS_RATE_PER_SECOND": 0}), Unlimited)

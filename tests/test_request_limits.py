"""Request limits hold behind a proxy and across web processes (Flask-Limiter storage)."""

import uuid

import pytest

from coordinator.extensions import db
from tests.conftest import make_app
from tests.support import services


def _failed_login(client, csrf_token, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    token = csrf_token(client.get("/login"))
    return client.post(
        "/login",
        headers=headers,
        data={
            "email": f"{uuid.uuid4().hex[:8]}@example.org",
            "password": "guess-1234",
            "csrf_token": token,
        },
    ).status_code


@pytest.mark.app_config(LOGIN_POSTS_PER_ADDRESS=2)
def test_without_trusted_proxies_a_forwarded_for_header_is_ignored(client, csrf_token):
    statuses = [_failed_login(client, csrf_token, f"10.0.0.{i}") for i in range(3)]
    assert statuses == [401, 401, 429]  # one connecting address: one bucket


@pytest.mark.app_config(LOGIN_POSTS_PER_ADDRESS=2, TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_each_client_address_has_its_own_bucket(client, csrf_token):
    coordinators = [_failed_login(client, csrf_token, f"10.0.0.{i}") for i in range(4)]
    assert coordinators == [401, 401, 401, 401]  # the proxy does not put everyone together
    one_address = [_failed_login(client, csrf_token, "10.0.9.9") for _ in range(3)]
    assert one_address == [401, 401, 429]


@pytest.mark.app_config(LOGIN_POSTS_PER_ADDRESS=2, TRUSTED_PROXIES=1)
def test_a_client_cannot_escape_its_bucket_by_adding_its_own_forwarded_for(client, csrf_token):
    # The trusted proxy appends the real address; only the last hop is believed.
    statuses = [_failed_login(client, csrf_token, f"1.2.3.{i}, 10.0.9.9") for i in range(3)]
    assert statuses == [401, 401, 429]


def _two_web_processes(tmp_path, storage_uri):
    prefix = f"test-{uuid.uuid4().hex}"
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    apps = [
        make_app(
            url,
            RATELIMIT_STORAGE_URI=storage_uri,
            RATELIMIT_KEY_PREFIX=prefix,
            LOGIN_POSTS_PER_ADDRESS=3,
        )
        for _ in range(2)
    ]
    with apps[0].app_context():
        db.create_all()
        db.engine.dispose()
    return [app.test_client() for app in apps]


def test_two_web_processes_sharing_redis_share_one_login_bucket(tmp_path, csrf_token):
    services.need("redis")
    first, second = _two_web_processes(tmp_path, services.redis_url())
    statuses = [_failed_login(c, csrf_token) for c in (first, second, first, second)]
    assert statuses == [401, 401, 401, 429]


def test_in_memory_each_process_counts_alone(tmp_path, csrf_token):
    # What development does, and why production must point RATELIMIT_STORAGE_URI at Redis.
    first, second = _two_web_processes(tmp_path, "memory://")
    statuses = [_failed_login(c, csrf_token) for c in (first, second, first, second)]
    assert statuses == [401, 401, 401, 401]


def test_production_counts_in_redis_when_the_broker_is_redis():
    from coordinator.ratelimit import storage_uri

    assert storage_uri({"CELERY_BROKER_URL": "redis://r:6379/0"}) == "redis://r:6379/0"
    assert (
        storage_uri(
            {
                "CELERY_BROKER_URL": "redis://r:6379/0",
                "RATELIMIT_STORAGE_URI": "redis://limits:6379/3",
            }
        )
        == "redis://limits:6379/3"
    )
    assert storage_uri({"CELERY_BROKER_URL": "sqla+sqlite:///b.db"}) == "memory://"


@pytest.mark.app_config(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", LOGIN_POSTS_PER_ADDRESS=1)
def test_an_unreachable_limit_store_lets_people_through(client, csrf_token, create_staff, login):
    assert [_failed_login(client, csrf_token) for _ in range(3)] == [401, 401, 401]
    login(create_staff())
    assert client.get("/").status_code == 200

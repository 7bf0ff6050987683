"""Calling the JSON API in tests: a client that sends a staff user's bearer token."""

import pytest

from coordinator.extensions import db
from coordinator.models import ApiToken, StaffRole, StaffUser


def issue_token(user: StaffUser) -> str:
    """A fresh API token of `user`, committed, in clear text."""
    token, clear = ApiToken.issue(user, name="test")
    db.session.add(token)
    db.session.commit()
    return clear


class ApiCaller:
    """The test client, with `Authorization: Bearer …` of one staff user on every request."""

    def __init__(self, client, user: StaffUser) -> None:  # noqa: ANN001
        self.client, self.user = client, user
        self.headers = {"Authorization": f"Bearer {issue_token(user)}"}

    def _open(self, method: str, path: str, **kwargs: object):  # noqa: ANN202
        return self.client.open(f"/api/v1{path}", method=method, headers=self.headers, **kwargs)

    def get(self, path: str, **kwargs: object):  # noqa: ANN201
        return self._open("GET", path, **kwargs)

    def post(self, path: str, json: object = None, **kwargs: object):  # noqa: ANN201
        return self._open("POST", path, json={} if json is None else json, **kwargs)

    def patch(self, path: str, json: object, **kwargs: object):  # noqa: ANN201
        return self._open("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: object, **kwargs: object):  # noqa: ANN201
        return self._open("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: object):  # noqa: ANN201
        return self._open("DELETE", path, **kwargs)


@pytest.fixture(name="api_as")
def api_as_fixture(client, create_staff):
    """An API caller for a new staff user of `role`, or for `user`: api_as("coordinator")."""

    def make(role: str = StaffRole.COORDINATOR, *, user: StaffUser | None = None) -> ApiCaller:
        return ApiCaller(client, user or create_staff(role))

    return make


@pytest.fixture(name="coordinator_api")
def coordinator_api_fixture(api_as) -> ApiCaller:
    return api_as(StaffRole.COORDINATOR)


def error_of(response) -> dict:  # noqa: ANN001
    """The API's error body, checked to have its stable shape."""
    body = response.get_json()
    assert set(body) >= {"error"}, body
    assert set(body["error"]) == {"code", "message", "field"}, body
    return body["error"]

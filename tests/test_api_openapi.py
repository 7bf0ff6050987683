"""The OpenAPI description covers every endpoint, and every endpoint checks who is calling."""

import re

import pytest

from coordinator import create_app
from coordinator.models import StaffRole
from tests.support.api import error_of

# What a team lead may call; everything else needs a coordinator.
TEAM_LEAD_READS = {
    "GET /api/v1/me",
    "GET /api/v1/missions",
    "GET /api/v1/missions/{mission_id}",
    "GET /api/v1/missions/{mission_id}/roster",
    # Team leads record the animals of the missions they lead (tests/test_animals.py).
    "GET /api/v1/missions/{mission_id}/animals",
    "POST /api/v1/missions/{mission_id}/animals",
    "PATCH /api/v1/missions/{mission_id}/animals/{animal_id}",
    # Team leads mark attendance on the missions they lead (tests/test_attendance_window.py).
    "POST /api/v1/missions/{mission_id}/roster/{signup_id}/attendance",
}


def _spec() -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _operations() -> list[tuple[str, str, dict]]:
    spec = _spec()
    return [
        (method.upper(), path, operation)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    ]


OPERATIONS = _operations()


def _url(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "1", path)


def test_every_api_route_is_described(app):
    routes = {
        (method, re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(method, path) for method, path, _ in OPERATIONS}
    assert routes == described
    assert len(described) >= 27


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_each_operation_documents_its_request_answers_and_errors(method, path, operation):
    responses = operation["responses"]
    success = [code for code in responses if code.startswith("2")]
    assert len(success) == 1
    if success[0] != "204":
        assert "$ref" in responses[success[0]]["content"]["application/json"]["schema"]
    for code in ("401", "403") if path != "/api/v1/me" else ("401",):  # anyone may ask who
        assert responses[code]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ErrorBody"
        )
    assert operation.get("security", [{"bearer": []}]) == [{"bearer": []}]
    assert operation["summary"]  # the view's docstring
    if method in ("POST", "PUT", "PATCH") and "requestBody" in operation:
        assert "$ref" in operation["requestBody"]["content"]["application/json"]["schema"]
        assert {"400", "415", "422"} <= set(responses)


def test_bodies_are_described_where_the_endpoint_reads_one():
    without_body = {
        f"{m} {p}"
        for m, p, o in OPERATIONS
        if m in ("POST", "PUT", "PATCH") and "requestBody" not in o
    }
    assert without_body == {
        "POST /api/v1/missions/{mission_id}/cancel",
        "POST /api/v1/callouts/{callout_id}/cancel",
    }


def test_every_operation_needs_a_bearer_token_by_default():
    spec = _spec()
    assert spec["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_times_are_described_as_local_when_naive():
    spec = _spec()
    starts_at = spec["components"]["schemas"]["MissionIn"]["properties"]["starts_at"]
    assert "local time" in starts_at["description"]
    assert starts_at["format"] == "date-time"


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_each_operation_refuses_a_caller_without_a_token(client, method, path, operation):
    response = client.open(_url(path), method=method, json={})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [o for o in OPERATIONS if f"{o[0]} {o[1]}" not in TEAM_LEAD_READS],
    ids=[f"{m} {p}" for m, p, _ in OPERATIONS if f"{m} {p}" not in TEAM_LEAD_READS],
)
def test_each_coordinator_operation_refuses_a_team_lead(api_as, method, path, operation):
    lead = api_as(StaffRole.TEAM_LEAD)
    response = lead._open(method, _url(path).removeprefix("/api/v1"), json={})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"

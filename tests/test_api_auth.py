"""The JSON API authenticates by bearer token and answers errors in one shape."""

from coordinator.extensions import db
from coordinator.models import ApiToken
from coordinator.timeutil import now_utc


def _token_for(user) -> str:
    token, clear = ApiToken.issue(user, name="test")
    db.session.add(token)
    db.session.commit()
    return clear


def test_a_valid_token_identifies_its_staff_user(client, create_staff):
    user = create_staff(email="api@example.org")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {_token_for(user)}"})
    assert response.status_code == 200
    assert response.json["email"] == "api@example.org"


def test_a_missing_token_gets_401_in_the_error_shape(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert "Bearer" in response.json["error"]["message"]


def test_a_revoked_token_is_refused(client, create_staff):
    user = create_staff()
    clear = _token_for(user)
    user.tokens[0].revoked_at = now_utc()
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {clear}"}).status_code == 401


def test_a_wrong_token_is_refused(client, create_staff):
    _token_for(create_staff())
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer rc_not-a-real-token"})
    assert response.status_code == 401


def test_a_session_login_does_not_open_the_api(client, create_staff, login):
    login(create_staff())
    assert client.get("/api/v1/me").status_code == 401


def test_the_openapi_description_is_public_and_lists_the_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")
    assert "/api/v1/me" in response.json["paths"]
    assert "bearer" in response.json["components"]["securitySchemes"]


def test_an_unknown_api_path_answers_json(client, create_staff):
    user = create_staff()
    response = client.get(
        "/api/v1/nothing-here", headers={"Authorization": f"Bearer {_token_for(user)}"}
    )
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_an_id_past_a_database_integer_is_a_404_after_the_token_check(client, create_staff):
    headers = {"Authorization": f"Bearer {_token_for(create_staff())}"}
    assert client.get("/api/v1/missions/99999999999999999999").status_code == 401
    response = client.get("/api/v1/missions/99999999999999999999", headers=headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"

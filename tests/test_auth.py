"""Staff login: every page but login needs one, roles guard writes, forms need CSRF."""

from flask import Blueprint

from coordinator.models import StaffRole
from coordinator.security import role_required


def test_pages_send_anonymous_visitors_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_coordinator_logs_in_and_sees_the_mission_board(client, create_staff, login):
    user = create_staff(StaffRole.COORDINATOR, name="이코디")
    login(user)
    page = client.get("/")
    assert page.status_code == 200
    assert "이코디" in page.get_data(as_text=True)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client, create_staff, csrf_token
):
    user = create_staff()
    token = csrf_token(client.get("/login"))
    response = client.post(
        "/login", data={"email": user.email, "password": "nope-nope-1", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logging_out_ends_the_session(client, create_staff, login, csrf_token):
    login(create_staff())
    token = csrf_token(client.get("/"))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_a_form_posted_without_its_csrf_token_is_refused(client, create_staff):
    user = create_staff()
    response = client.post("/login", data={"email": user.email, "password": "correct-horse-7"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_never_redirects_to_another_site(client, create_staff, csrf_token):
    user = create_staff()
    token = csrf_token(client.get("/login"))
    response = client.post(
        "/login?next=//evil.example/steal",
        data={"email": user.email, "password": "correct-horse-7", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_a_coordinator_only_page_is_refused_to_a_team_lead(app, client, create_staff, login):
    probe = Blueprint("probe", __name__)

    @probe.post("/probe/coordinators-only")
    @role_required(StaffRole.COORDINATOR)
    def coordinators_only():
        return "changed"

    app.register_blueprint(probe)
    login(create_staff(StaffRole.TEAM_LEAD))
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/probe/coordinators-only").status_code == 403


def test_error_pages_show_no_stack_trace(app, client, create_staff, login):
    probe = Blueprint("boom", __name__)

    @probe.get("/probe/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.register_blueprint(probe)
    login(create_staff())
    response = client.get("/probe/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_every_page_carries_security_headers(client):
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_healthz_reports_the_database_and_the_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] is True
    assert "broker" in response.json

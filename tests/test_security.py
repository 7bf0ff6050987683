"""A test per security point: headers on every page, production cookies and HSTS, session
expiry, signed webhooks only, API tokens hashed and revocable."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

import config as config_module
from coordinator import create_app
from coordinator.extensions import db
from coordinator.models import ApiToken, AuditEntry, Message, StaffRole, StaffUser
from tests.conftest import PASSWORD, IsolatedClient
from tests.support.api import ApiCaller
from tests.support.site import inline_code, row_counts, web_rules

CSP_NEEDS = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "frame-ancestors 'none'",
)


def test_every_page_an_admin_can_open_has_the_headers_and_no_inline_script_or_style(client, site):
    seen = 0
    for rule in web_rules(site.app, "GET"):
        url = site.url(rule)
        assert url is not None, f"the crawl has no id for {rule.rule}"
        response = client.get(url)
        assert response.status_code < 500, url
        csp = response.headers.get("Content-Security-Policy", "")
        assert all(part in csp for part in CSP_NEEDS), (url, csp)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        # same-origin everywhere; the tap-to-call redirect sends no referrer at all.
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
        assert response.headers["X-Frame-Options"] == "DENY"
        if response.mimetype == "text/html":
            assert inline_code(response.get_data(as_text=True)) == [], url
            seen += 1
    assert seen >= 30  # the crawl really reached the pages


@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/missions/999999"])
def test_login_and_error_pages_carry_the_same_headers_without_inline_code(client, path):
    response = client.get(path, follow_redirects=True)

    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert inline_code(response.get_data(as_text=True)) == []


def test_hsts_is_not_sent_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.fixture
def production(monkeypatch, tmp_path):
    """The app as deployed (APP_ENV=production), on a throwaway database, with an admin."""
    for name, value in {
        "SECRET_KEY": "a-real-production-secret-" + "x" * 32,
        "PUBLIC_BASE_URL": "https://rescue.example.org",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
        "CELERY_BROKER_URL": "memory://",
        "SMS_BACKEND": "console",
    }.items():
        monkeypatch.setattr(config_module.ProductionConfig, name, value)
    app = create_app(config_name="production")
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        admin = StaffUser(email="admin@example.org", name="Admin", role=StaffRole.ADMIN)
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def https_login(app):
    client = app.test_client()
    base = {
        "base_url": "https://rescue.example.org",
        "headers": {"Referer": "https://rescue.example.org/login"},
    }
    page = client.get("/login", **base)
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    response = client.post(
        "/login",
        data={
            "email": "admin@example.org",
            "password": PASSWORD,
            "csrf_token": token.split('"')[0],
        },
        **base,
    )
    return client, page, response


def test_production_sends_hsts(production):
    _client, page, _response = https_login(production)

    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_session_cookies_are_secure_httponly_and_samesite(production):
    _client, _page, response = https_login(production)

    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly"} <= attributes
    assert "samesite=lax" in cookie.lower()
    assert "expires" in attributes  # a session that ends, not one kept until the browser quits


def test_sessions_expire_after_at_most_half_a_day(app):
    assert app.config["PERMANENT_SESSION_LIFETIME"] <= 12 * 3600
    lifetime = timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
    assert app.permanent_session_lifetime == lifetime


def test_a_session_past_its_lifetime_sends_the_user_back_to_login(client, create_staff, login):
    login(create_staff(StaffRole.COORDINATOR))
    client.application.permanent_session_lifetime = timedelta(seconds=-1)  # already expired

    response = client.get("/")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/sms/inbound", "/sms/status"])
@pytest.mark.parametrize("headers", [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}])
def test_webhooks_refuse_requests_without_a_valid_twilio_signature(
    client, create_volunteer, path, headers
):
    volunteer = create_volunteer()
    before = row_counts()
    form = {
        "MessageSid": "SM" + "1" * 32,
        "From": volunteer.phone,
        "Body": "YES",
        "MessageStatus": "delivered",
        "To": "+15005550006",
    }

    response = client.post(path, data=form, headers=headers)

    assert response.status_code == 403
    assert row_counts() == before


# -- API tokens -----------------------------------------------------------------------------


def new_token(client, csrf_token, name: str = "import script") -> tuple[str, object]:
    page = client.get("/account/tokens")
    response = client.post("/account/tokens", data={"csrf_token": csrf_token(page), "name": name})
    clear = response.get_data(as_text=True).split('class="token-value">')[1].split("<")[0]
    return clear, response


def test_a_staff_user_creates_a_token_seen_once_and_stored_only_as_a_hash(
    client, login, csrf_token, create_staff
):
    lead = create_staff(StaffRole.TEAM_LEAD)
    login(lead)

    clear, response = new_token(client, csrf_token)

    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    stored = db.session.scalars(select(ApiToken).filter_by(user_id=lead.id)).one()
    assert stored.token_hash == hashlib.sha256(clear.encode()).hexdigest()
    assert clear not in stored.token_hash and stored.name == "import script"
    assert clear not in client.get("/account/tokens").get_data(as_text=True)
    api = client.get("/api/v1/missions", headers={"Authorization": f"Bearer {clear}"})
    assert api.status_code == 200
    audit = " ".join(str(e.changes) for e in db.session.scalars(select(AuditEntry)))
    assert clear not in audit and "import script" in audit


def test_a_token_needs_a_name_of_sensible_length(client, login, csrf_token, create_staff):
    login(create_staff(StaffRole.COORDINATOR))
    token = csrf_token(client.get("/account/tokens"))

    for name in ("", "   ", "x" * 101):
        response = client.post("/account/tokens", data={"csrf_token": token, "name": name})
        assert response.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_a_user_revokes_their_own_token_and_it_stops_working_at_once(
    client, login, csrf_token, create_staff
):
    login(create_staff(StaffRole.COORDINATOR))
    clear, _response = new_token(client, csrf_token)
    token = db.session.scalar(select(ApiToken))

    page = client.get("/account/tokens")
    response = client.post(
        f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(page)}
    )

    assert response.status_code == 303
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    api = client.get("/api/v1/missions", headers={"Authorization": f"Bearer {clear}"})
    assert api.status_code == 401
    assert "revoked" in client.get("/account/tokens").get_data(as_text=True)


def test_nobody_but_an_admin_revokes_someone_elses_token(client, login, csrf_token, create_staff):
    owner = create_staff(StaffRole.COORDINATOR)
    caller = ApiCaller(client, owner)
    token = db.session.scalar(select(ApiToken).filter_by(user_id=owner.id))
    login(create_staff(StaffRole.COORDINATOR))
    csrf = csrf_token(client.get("/account/tokens"))

    mine = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    admins = client.post(f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf})

    assert (mine.status_code, admins.status_code) == (404, 403)
    assert caller.get("/missions").status_code == 200


def test_an_admin_sees_every_staff_users_tokens_and_revokes_one_from_the_staff_page(
    client, login, csrf_token, create_staff
):
    lead = create_staff(StaffRole.TEAM_LEAD, email="lead@example.org")
    caller = ApiCaller(client, lead)
    caller.get("/missions/1/roster")  # a use, so "last used" has a time
    token = db.session.scalar(select(ApiToken).filter_by(user_id=lead.id))
    login(create_staff(StaffRole.ADMIN))

    page = client.get("/admin/staff")
    html = page.get_data(as_text=True)
    assert "lead@example.org" in html and token.name in html and "never" not in html
    response = client.post(
        f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(page)}
    )

    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/staff")
    assert caller.get("/missions").status_code == 401
    entry = db.session.scalar(select(AuditEntry).filter_by(action="revoke"))
    assert entry.object_type == "api_tokens" and entry.object_id == token.id


def test_revoking_without_the_csrf_token_is_refused(client, login, create_staff):
    owner = create_staff(StaffRole.COORDINATOR)
    caller = ApiCaller(client, owner)
    token = db.session.scalar(select(ApiToken))
    login(owner)

    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 400
    assert caller.get("/missions").status_code == 200
    assert db.session.scalar(select(Message)) is None

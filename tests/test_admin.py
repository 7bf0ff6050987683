"""Admins manage staff accounts; every staff change is in the audit log; logins lock out."""

from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import AuditEntry, StaffRole, StaffUser


def _post_login(client, csrf_token, email, password):
    token = csrf_token(client.get("/login"))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    client, create_staff, csrf_token
):
    user = create_staff(email="lead@example.org")
    for _ in range(5):
        assert _post_login(client, csrf_token, user.email, "wrong-guess-1").status_code == 401
    locked = _post_login(client, csrf_token, user.email, "correct-horse-7")
    assert locked.status_code == 401
    assert "Too many failed attempts" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_successful_login_resets_the_failure_count(client, create_staff, csrf_token):
    user = create_staff()
    for _ in range(4):
        _post_login(client, csrf_token, user.email, "wrong-guess-1")
    assert _post_login(client, csrf_token, user.email, "correct-horse-7").status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0


def test_an_admin_creates_a_staff_account(client, create_staff, login, csrf_token):
    login(create_staff(StaffRole.ADMIN))
    token = csrf_token(client.get("/admin/staff"))
    response = client.post(
        "/admin/staff",
        data={
            "email": "new@example.org",
            "name": "새 팀장",
            "role": "team_lead",
            "password": "mud-and-boots-9",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(StaffUser).filter_by(email="new@example.org"))
    assert user.role == "team_lead" and user.check_password("mud-and-boots-9")


def test_a_weak_password_is_refused_by_name_and_nothing_is_created(
    client, create_staff, login, csrf_token
):
    login(create_staff(StaffRole.ADMIN))
    token = csrf_token(client.get("/admin/staff"))
    response = client.post(
        "/admin/staff",
        data={
            "email": "new@example.org",
            "role": "team_lead",
            "password": "short",
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 1


def test_a_role_change_is_audited_with_who_and_before_and_after(
    client, create_staff, login, csrf_token
):
    admin = create_staff(StaffRole.ADMIN, email="boss@example.org")
    lead = create_staff(StaffRole.TEAM_LEAD)
    login(admin)
    token = csrf_token(client.get("/admin/staff"))
    client.post(f"/admin/staff/{lead.id}/role", data={"role": "coordinator", "csrf_token": token})
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.object_type == "staff_users", AuditEntry.object_id == lead.id
        )
    )
    assert entry.staff_user_id == admin.id and entry.via == "web" and entry.action == "update"
    assert entry.changes["role"] == ["team_lead", "coordinator"]
    page = client.get("/admin/audit").get_data(as_text=True)
    said = f"changed the role of the staff account {lead.name} from Team lead to Coordinator"
    assert said in page


def test_password_hashes_never_reach_the_audit_log(client, create_staff, login, csrf_token):
    login(create_staff(StaffRole.ADMIN))
    token = csrf_token(client.get("/admin/staff"))
    client.post(
        "/admin/staff",
        data={
            "email": "new@example.org",
            "role": "team_lead",
            "password": "mud-and-boots-9",
            "csrf_token": token,
        },
    )
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "create"))
    assert created.changes["password_hash"][1] == "…"


def test_team_leads_and_coordinators_cannot_reach_admin_pages(
    client, create_staff, login, csrf_token
):
    lead = create_staff(StaffRole.TEAM_LEAD)
    login(create_staff(StaffRole.COORDINATOR))
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/staff").status_code == 403
    token = csrf_token(client.get("/"))
    response = client.post(
        f"/admin/staff/{lead.id}/role", data={"role": "admin", "csrf_token": token}
    )
    assert response.status_code == 403
    db.session.refresh(lead)
    assert lead.role == "team_lead"


def test_many_login_attempts_from_one_address_are_slowed_down(
    app, client, create_staff, csrf_token
):
    app.config["LOGIN_POSTS_PER_ADDRESS"] = 3
    users = [create_staff() for _ in range(4)]
    statuses = [
        _post_login(client, csrf_token, user.email, "wrong-guess-1").status_code for user in users
    ]
    assert statuses == [401, 401, 401, 429]

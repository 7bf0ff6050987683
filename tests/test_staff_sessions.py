"""Staff sessions end when they should; login says nothing about who has an account and
cannot be turned into a lockout; the password rule is the README's; `next` is safe."""

import re

import pytest

from coordinator.domain import staff
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import ApiToken, StaffRole, StaffUser
from coordinator.security import LOGIN_AT
from tests.conftest import PASSWORD


def _post_login(client, csrf_token, email, password, next_path=None):
    token = csrf_token(client.get("/login"))
    url = "/login" if next_path is None else "/login?next=" + next_path
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def _copy_session(source, target):
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value)


def _page_without(response, email: str) -> str:
    """The page with the typed email and the (time-stamped) CSRF tokens taken out."""
    html = response.get_data(as_text=True).replace(email, "")
    return re.sub(r'(csrf[-_]token"[^>]*(?:value|content)=")[^"]+', r"\1", html)


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


# --- Sessions end when they should -------------------------------------------------------


def test_logging_out_also_ends_a_copied_session_cookie(
    app, client, create_staff, login, csrf_token
):
    login(create_staff())
    thief = app.test_client()
    _copy_session(client, thief)
    assert _logged_in(thief)

    client.post("/logout", data={"csrf_token": csrf_token(client.get("/"))})

    assert not _logged_in(thief)
    assert not _logged_in(client)


def test_a_password_change_ends_every_session_of_that_user(
    app, client, create_staff, login, csrf_token
):
    user = create_staff()
    login(user)
    laptop = app.test_client()
    _post_login(laptop, csrf_token, user.email, PASSWORD)
    assert _logged_in(laptop)

    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "new-boots-and-mud-4",
            "csrf_token": csrf_token(page),
        },
    )

    assert response.status_code == 303
    assert not _logged_in(laptop) and not _logged_in(client)
    assert _post_login(laptop, csrf_token, user.email, "new-boots-and-mud-4").status_code == 302


def test_a_password_set_from_the_command_line_ends_every_session(
    app, client, runner, create_staff, login
):
    user = create_staff()
    login(user)
    result = runner.invoke(
        args=["users", "set-password", user.email, "--password", "new-boots-and-mud-4"]
    )
    assert result.exit_code == 0, result.output
    assert not _logged_in(client)


def test_deactivation_ends_sessions_and_revokes_api_tokens_for_good(
    app, client, create_staff, login, csrf_token
):
    lead = create_staff(StaffRole.TEAM_LEAD)
    token, clear = ApiToken.issue(lead, name="script")
    db.session.add(token)
    db.session.commit()
    lead_phone = app.test_client()
    _post_login(lead_phone, csrf_token, lead.email, PASSWORD)
    assert lead_phone.get("/day/").status_code == 200

    login(create_staff(StaffRole.ADMIN))
    page = client.get("/admin/staff")
    client.post(f"/admin/staff/{lead.id}/active", data={"csrf_token": csrf_token(page)})
    assert lead_phone.get("/day/").status_code == 302
    # Opening the account again does not bring back the old session or token.
    client.post(f"/admin/staff/{lead.id}/active", data={"csrf_token": csrf_token(page)})
    assert db.session.get(StaffUser, lead.id).is_active_user

    assert lead_phone.get("/day/").status_code == 302
    api = lead_phone.get("/api/v1/missions", headers={"Authorization": f"Bearer {clear}"})
    assert api.status_code == 401


def test_a_busy_session_still_ends_at_its_absolute_lifetime(app, client, create_staff, login):
    login(create_staff())
    assert _logged_in(client)  # every request refreshes the idle timer ...
    lifetime = app.config["SESSION_ABSOLUTE_LIFETIME"]
    assert lifetime <= 12 * 3600
    with client.session_transaction() as session:
        session[LOGIN_AT] -= lifetime + 60  # ... but not the time since login

    response = client.get("/")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_from_before_this_release_is_not_accepted(app, client, create_staff, login):
    user = create_staff()
    login(user)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # the old format: no epoch
    assert not _logged_in(client)


# --- Login --------------------------------------------------------------------------------


def test_an_unknown_email_costs_one_password_hash_and_reads_like_a_wrong_password(
    client, create_staff, csrf_token, monkeypatch
):
    import coordinator.domain.staff as staff_module
    import coordinator.models.staff as model_module

    hashes = []
    for module in (staff_module, model_module):
        real = module.check_password_hash
        monkeypatch.setattr(
            module, "check_password_hash", lambda h, p, real=real: hashes.append(1) or real(h, p)
        )
    user = create_staff()

    known = _post_login(client, csrf_token, user.email, "wrong-guess-1")
    known_hashes, hashes[:] = len(hashes), []
    unknown = _post_login(client, csrf_token, "nobody@example.org", "wrong-guess-1")

    assert known_hashes == len(hashes) == 1
    assert known.status_code == unknown.status_code == 401
    assert "Wrong email or password" in unknown.get_data(as_text=True)
    assert _page_without(known, user.email) == _page_without(unknown, "nobody@example.org")


def test_a_stranger_failing_five_times_does_not_lock_the_coordinator_out(
    app, client, create_staff, csrf_token
):
    coordinator = create_staff(email="coord@example.org")
    assert _post_login(client, csrf_token, coordinator.email, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/"))})

    stranger = app.test_client()
    for _ in range(6):
        assert _post_login(stranger, csrf_token, coordinator.email, "guess-1234").status_code == 401
    held = _post_login(stranger, csrf_token, coordinator.email, PASSWORD)
    assert held.status_code == 401  # the stranger's device has to wait ...
    assert "Too many failed attempts" in held.get_data(as_text=True)

    # ... while the coordinator's own browser gets in on the first try.
    assert _post_login(client, csrf_token, coordinator.email, PASSWORD).status_code == 302
    assert _logged_in(client)


def test_after_many_failures_an_unknown_email_is_answered_as_a_real_one(
    app, client, create_staff, csrf_token
):
    real = create_staff()
    answers = {}
    for email in (real.email, "nobody@example.org"):
        for _ in range(5):
            _post_login(client, csrf_token, email, "guess-1234")
        answers[email] = _post_login(client, csrf_token, email, "guess-1234")
    real_page, unknown_page = (answers[e].get_data(as_text=True) for e in answers)
    assert answers[real.email].status_code == answers["nobody@example.org"].status_code == 401
    assert "Too many failed attempts" in real_page and "Too many failed attempts" in unknown_page


def test_a_known_device_has_its_own_allowance_of_failures(app, client, create_staff, csrf_token):
    user = create_staff()
    assert _post_login(client, csrf_token, user.email, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/"))})
    for _ in range(5):
        _post_login(client, csrf_token, user.email, "guess-1234")
    held = _post_login(client, csrf_token, user.email, PASSWORD)
    assert held.status_code == 401 and "Too many failed attempts" in held.get_data(as_text=True)


# --- The password rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "abcdefghij",  # letters only
        "abcde fghij",  # a space is not a symbol
        "abcde\tfghij\u3000k",  # nor any other kind of space
        "1234567890",  # digits only
        "a1 b2 c3 d4",  # 8 characters once spaces are left out
        " " * 9 + "a1",  # spaces do not make up the length
        "---------------",  # no letter at all
        "password123",  # a common password
        "x" * 199 + "1!",  # past 200 characters
    ],
)
def test_a_password_that_breaks_the_readme_rule_is_refused(app, password):
    with pytest.raises(ValidationError) as refused:
        staff.check_password_rules(password)
    assert refused.value.field == "password"


@pytest.mark.parametrize(
    "password",
    [
        "mud-and-boots-9",
        "correct horse 7 battery",
        "산책하는강아지와고양이7",
        "kitten!rescue",
    ],
)
def test_a_password_mixing_letters_with_digits_or_symbols_is_accepted(app, password):
    staff.check_password_rules(password)


def test_every_door_that_sets_a_password_uses_the_rule(
    client, runner, create_staff, login, csrf_token
):
    weak = "abcde fghij"
    created = runner.invoke(
        args=["users", "create", "a@example.org", "--role", "coordinator", "--password", weak]
    )
    assert created.exit_code != 0 and "mix letters" in created.output
    user = create_staff(StaffRole.ADMIN)
    changed = runner.invoke(args=["users", "set-password", user.email, "--password", weak])
    assert changed.exit_code != 0 and "mix letters" in changed.output

    login(user)
    page = client.get("/admin/staff")
    response = client.post(
        "/admin/staff",
        data={
            "email": "b@example.org",
            "role": "team_lead",
            "password": weak,
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 400 and "mix letters" in response.get_data(as_text=True)
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": weak, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 400 and "mix letters" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert db.session.query(StaffUser).count() == 1


def test_a_password_change_needs_the_current_password(client, create_staff, login, csrf_token):
    user = create_staff()
    login(user)
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "current": "not-my-password-1",
            "password": "new-boots-and-mud-4",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 400
    assert "current password is wrong" in response.get_data(as_text=True)
    assert _logged_in(client)


# --- `next` after login -------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_path",
    [
        "/%0d%0aSet-Cookie:%20evil=1",
        "/missions%0a",
        "%0d%0a/",
        "/%09/evil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
        "//evil.example",
        "https://evil.example/",
    ],
)
def test_a_dangerous_next_sends_the_user_home_not_away_or_to_a_500(
    client, create_staff, csrf_token, next_path
):
    user = create_staff()
    response = _post_login(client, csrf_token, user.email, PASSWORD, next_path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "evil" not in str(response.headers)


def test_a_plain_next_path_is_followed(client, create_staff, csrf_token):
    user = create_staff()
    response = _post_login(client, csrf_token, user.email, PASSWORD, "/volunteers?page=2")
    assert response.headers["Location"] == "/volunteers?page=2"

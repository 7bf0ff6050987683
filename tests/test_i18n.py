"""Korean and English: a complete catalogue, staff and volunteers each reading their own
language, and times shown on the right local day."""

from datetime import UTC, datetime, timedelta

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from flask import render_template
from flask_login import login_user

from coordinator.domain.signups import sign_up
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.links import make_calendar_token, make_token
from coordinator.models import SignupSource, StaffRole, StaffUser
from coordinator.phones import normalise_phone
from tests.conftest import PASSWORD
from tests.support.helpers import csrf_token_in
from tests.support.i18n import ROOT, TRANSLATIONS, read_catalogue

KOREAN_PO = TRANSLATIONS / "ko" / "LC_MESSAGES" / "messages.po"
# The keywords `make translations` extracts with.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
KOREAN_BROWSER = "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"
ENGLISH_BROWSER = "en-GB,en;q=0.9"
# 00:30 in Seoul on Thursday 26 November is still Wednesday 25 November in UTC.
HALF_PAST_MIDNIGHT = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)


def _extracted_ids() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
    return {(context, message) for _file, _line, message, _comments, context in found}


def _catalogue_ids(catalogue) -> set[tuple[str | None, str]]:
    return {(m.context, m.id) for m in catalogue if m.id}


def test_every_string_shown_to_users_has_a_korean_translation():
    catalogue = read_catalogue(KOREAN_PO)
    untranslated = [m.id for m in catalogue if m.id and not m.string]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == [], "translate these in translations/ko/LC_MESSAGES/messages.po"
    assert fuzzy == [], "check these guessed translations and drop their fuzzy flag"


def test_the_korean_catalogue_holds_exactly_the_strings_in_the_code_and_templates():
    in_code = _extracted_ids()
    in_catalogue = _catalogue_ids(read_catalogue(KOREAN_PO))
    assert sorted(in_code - in_catalogue, key=str) == [], (
        "new strings: run `make translations`, then translate them"
    )
    assert sorted(in_catalogue - in_code, key=str) == [], (
        "strings no longer used: run `make translations` to drop them"
    )


def test_korean_translations_keep_every_placeholder_of_the_english():
    catalogue = read_catalogue(KOREAN_PO)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert problems == []


def test_the_docker_image_compiles_the_catalogue_it_copies():
    steps = [
        line.split()[0:3]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copy_all = steps.index(["COPY", ".", "."])
    assert ["RUN", "pybabel", "compile"] in steps[copy_all:]


def test_a_mission_at_half_past_midnight_falls_on_the_local_day_in_both_languages(app):
    assert format_local(HALF_PAST_MIDNIGHT, "datetime", "ko") == "11월 26일 (목) 00:30"
    assert format_local(HALF_PAST_MIDNIGHT, "datetime", "en") == "Thu 26 Nov 00:30"
    assert format_local(HALF_PAST_MIDNIGHT, "date", "ko") == "2026년 11월 26일 (목)"
    assert format_local(HALF_PAST_MIDNIGHT, "date", "en") == "Thu 26 Nov 2026"
    assert format_local(HALF_PAST_MIDNIGHT, "time", "ko") == "00:30"
    # SQLite hands back naive datetimes: they are UTC, not local.
    naive = HALF_PAST_MIDNIGHT.replace(tzinfo=None)
    assert format_local(naive, "datetime", "en") == "Thu 26 Nov 00:30"


def test_the_board_shows_a_half_past_midnight_mission_on_its_local_day_in_both_languages(
    app, client, login, create_staff, create_mission
):
    mission = create_mission("개농장 구조", shifts=[(7, 12)])
    mission.starts_at = mission.shifts[0].starts_at = HALF_PAST_MIDNIGHT
    mission.ends_at = mission.shifts[0].ends_at = HALF_PAST_MIDNIGHT + timedelta(hours=5)
    user = create_staff(StaffRole.COORDINATOR, language="ko")
    login(user)

    korean = client.get("/?status=all").get_data(as_text=True)
    _choose(client, "en")
    english = client.get("/?status=all").get_data(as_text=True)

    assert "11월 26일 (목) 00:30" in korean and "11월 25일" not in korean
    assert "Thu 26 Nov 00:30" in english and "Wed 25 Nov" not in english


def test_pages_are_in_korean_for_a_korean_browser(client, login, create_staff, create_mission):
    create_mission("말 구조", capacity=3)
    login_page = client.get("/login", headers={"Accept-Language": KOREAN_BROWSER})
    html = login_page.get_data(as_text=True)
    assert '<html lang="ko">' in html
    assert "로그인" in html and "비밀번호" in html and "Password" not in html

    login(create_staff(StaffRole.COORDINATOR))
    board = client.get("/", headers={"Accept-Language": KOREAN_BROWSER}).get_data(as_text=True)
    assert "새 구조 활동" in board and "명단" in board and "빈자리 3개" in board
    assert ">모집 중</span>" in board and "Test coordinator · 코디네이터" in board
    assert "New mission" not in board and ">recruiting<" not in board


def test_a_browser_that_names_no_language_gets_the_organisations_korean(app):
    client = app.test_client()
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")
    assert "로그인" in client.get("/login").get_data(as_text=True)


def test_staff_without_a_choice_read_the_language_their_browser_asks_for(
    client, login, create_staff
):
    login(create_staff(StaffRole.COORDINATOR))
    korean = client.get("/", headers={"Accept-Language": KOREAN_BROWSER})
    english = client.get("/", headers={"Accept-Language": ENGLISH_BROWSER})
    assert "새 구조 활동" in korean.get_data(as_text=True)
    assert "New mission" in english.get_data(as_text=True)


def test_a_staff_choice_is_kept_on_their_account_and_follows_them_to_another_browser(
    app, client, login, create_staff
):
    user = create_staff(StaffRole.TEAM_LEAD)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = KOREAN_BROWSER
    login(user)
    assert "구조 활동" in client.get("/").get_data(as_text=True)

    response = _choose(client, "en", next_page="/?status=all")

    assert response.status_code == 303
    assert response.headers["Location"] == "/?status=all"
    assert db.session.get(StaffUser, user.id).language == "en"
    assert "Log out" in client.get("/").get_data(as_text=True)
    other_browser = app.test_client()
    other_browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = KOREAN_BROWSER
    _log_in(other_browser, user)
    assert "Log out" in other_browser.get("/").get_data(as_text=True)


def test_the_language_switch_refuses_an_unknown_language_and_changes_nothing(
    client, login, create_staff
):
    user = create_staff(StaffRole.COORDINATOR, language="ko")
    login(user)
    response = _choose(client, "fr")
    assert response.status_code == 400
    assert "한국어나 영어를 고르세요." in response.get_data(as_text=True)
    assert db.session.get(StaffUser, user.id).language == "ko"


def test_the_language_switch_needs_the_forms_csrf_token(client, login, create_staff):
    user = create_staff(StaffRole.COORDINATOR, language="ko")
    login(user)
    response = client.post("/language", data={"language": "en"})
    assert response.status_code == 400
    assert db.session.get(StaffUser, user.id).language == "ko"


def test_the_language_switch_needs_a_login_and_never_sends_you_off_site(
    client, login, create_staff
):
    token = csrf_token_in(client.get("/login").get_data(as_text=True))
    anonymous = client.post("/language", data={"language": "en", "csrf_token": token})
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login")

    login(create_staff(StaffRole.TEAM_LEAD))
    response = _choose(client, "en", next_page="//evil.example/phish")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_the_switch_offers_the_other_language_and_returns_to_the_same_page(app, create_staff):
    user = create_staff(StaffRole.COORDINATOR, language="en")
    with app.test_request_context("/volunteers/?q=kim", headers={"Accept-Language": "en"}):
        login_user(user)
        html = render_template("partials/language_switch.html")
    assert 'action="/language"' in html and 'name="csrf_token"' in html
    assert 'name="next" value="/volunteers/?q=kim"' in html
    assert 'value="ko"' in html and "한국어" in html
    assert '<strong lang="en" aria-current="true">English</strong>' in html


def test_a_volunteer_reads_their_page_in_their_own_language_whatever_the_browser(
    client, create_volunteer, create_mission
):
    create_mission("개농장 구조", roles={"Handler": "handler"})
    korean = create_volunteer("김민준", language="ko")
    english = create_volunteer("Emma Clarke", language="en")

    ko_page = client.get(f"/v/{make_token(korean)}", headers={"Accept-Language": "en"})
    en_page = client.get(f"/v/{make_token(english)}", headers={"Accept-Language": "ko"})

    assert "김민준 님, 안녕하세요" in ko_page.get_data(as_text=True)
    assert "Hello, Emma Clarke" in en_page.get_data(as_text=True)
    assert "안녕하세요" not in en_page.get_data(as_text=True)


def test_a_volunteers_calendar_feed_is_in_their_language_whatever_the_calendar_app(
    client, create_volunteer, create_mission
):
    mission = create_mission("개농장 구조", capacity=2)
    korean, english = create_volunteer(language="ko"), create_volunteer("Emma", language="en")
    for volunteer in (korean, english):
        sign_up(volunteer, mission.positions[0], source=SignupSource.WEB)
    db.session.commit()

    def feed(volunteer) -> str:
        url = f"/ical/{make_calendar_token(volunteer)}.ics"
        return client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "집결 장소: 수원역 4번 출구" in feed(korean)
    assert "Meeting point: 수원역 4번 출구" in feed(english)


def test_a_refusal_on_the_volunteer_page_is_explained_in_the_volunteers_language(
    client, create_volunteer, create_mission
):
    mission = create_mission("개농장 구조", capacity=2)
    other = create_volunteer("다른 봉사자")
    signup = sign_up(other, mission.positions[0], source=SignupSource.SMS)
    db.session.commit()
    for language, reason in (
        ("ko", "내가 신청한 자리가 아니에요."),
        ("en", "this place is not in your sign-ups"),
    ):
        me = create_volunteer(language=language)
        page = client.get(f"/v/{make_token(me, mission.id)}")
        response = client.post(
            f"/v/{make_token(me, mission.id)}/cancel/{signup.id}",
            data={"csrf_token": csrf_token_in(page.get_data(as_text=True))},
        )
        assert response.status_code == 404
        assert reason in response.get_data(as_text=True)


def test_a_staff_reader_gets_domain_refusals_in_their_language(
    client, login, create_staff, create_mission
):
    mission = create_mission("개농장 구조")
    login(create_staff(StaffRole.COORDINATOR, language="ko"))
    page = client.get(f"/missions/{mission.id}/roster")
    response = client.post(
        f"/missions/{mission.id}/roster/add",
        data={
            "volunteer": "010-0000-00",
            "position_id": mission.positions[0].id,
            "csrf_token": csrf_token_in(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 400
    assert "010-0000-00&#39;은(는) 올바른 전화번호가 아니에요." in response.get_data(as_text=True)


def test_error_pages_speak_the_readers_language_and_the_api_keeps_its_english_codes(
    client, login, create_staff
):
    login(create_staff(StaffRole.TEAM_LEAD, language="ko"))
    page = client.get("/no-such-page")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "페이지를 찾을 수 없음" in html and "이 주소에는 아무것도 없습니다." in html
    forbidden = client.get("/admin/staff").get_data(as_text=True)
    assert "권한 없음" in forbidden

    api = client.get("/api/v1/no-such-thing", headers={"Accept-Language": KOREAN_BROWSER})
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_outside_a_request_domain_messages_stay_in_english_for_operators(app):
    with pytest.raises(ValidationError, match="is not a valid phone number"):
        normalise_phone("010-0000-00")


def _choose(client, language: str, next_page: str = "/"):
    """Use the language switch as a browser would, with the page's CSRF token."""
    token = csrf_token_in(client.get("/").get_data(as_text=True))
    return client.post(
        "/language", data={"language": language, "next": next_page, "csrf_token": token}
    )


def _log_in(client, user: StaffUser) -> None:
    token = csrf_token_in(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302

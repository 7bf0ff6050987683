"""A bad-input sweep over every POST route of the staff web site, the volunteer pages and the
SMS webhooks, logged in as an admin.

Hypothesis feeds each route's own form fields (found by crawling the pages that show its
form) with oversized, malformed and hostile values: wrong types, impossible dates, negative
and huge numbers, NUL bytes, lone surrogates (sent as the invalid UTF-8 a client would send),
RTL marks, HTML/JS and SQL-ish strings. Examples are bounded and derandomised.

What is acceptable:
  * 4xx with a clear message (a form error, a flashed error or the error page), and then
    not one row changed in any table;
  * a redirect (303/302): back to the page with a flashed error, or the input was valid
    enough to be saved (a name "<script>…" is a valid name) — then it must be escaped
    wherever it is shown;
  * 2xx: the page again, or a saved change.
Never a 5xx, never a stack trace, never an unescaped payload.
"""

import io
import os
import re
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from coordinator import create_app
from coordinator.extensions import db
from coordinator.models import Message, StaffUser
from coordinator.sms import gateway
from tests.support.api import issue_token
from tests.support.site import TRACEBACK, Site, row_counts, web_rules

XSS = '<script>alert("xss")</script>'
XSS_ATTR = '"><img src=x onerror=alert(1)>'
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "-999999",
    "3.5",
    "1e309",
    "NaN",
    "true",
    "[]",
    "{}",
    "null",
    str(2**63),
    str(10**30),
    "99999999999999999999999999999999999999",
    "2026-02-30T25:61",
    "0000-00-00",
    "31/12/2026",
    "2026-13-01",
    "tomorrow",
    "a\x00b",
    "\x00",
    "\ud800",
    "x\udfffy",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "\ufeff",
    XSS,
    XSS_ATTR,
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "${7*7}",
    "%s%s%n",
    "' OR '1'='1",
    "1; DROP TABLE volunteers;--",
    "admin'--",
    "\\",
    "../../etc/passwd",
    "김민준",
    "010-1234-5678",
    "+821012345678",
    "x" * 300,
    "\n" * 50,
    "²",
    "٣",
    "３",
    "1²",
    "vehicle:²",
    "vehicle:٣",  # digits int() refuses or misreads
]
OVERSIZED = "가" * 34_000  # about 100 kB as UTF-8
WEBHOOK_FIELDS = [
    "MessageSid",
    "SmsSid",
    "AccountSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "MessageStatus",
    "ErrorCode",
    "ErrorMessage",
]
EVERY_FIELD = [
    str(10**30),
    "-1",
    OVERSIZED,
    XSS,
    XSS_ATTR,
    "a\x00b",
    "\ud800",
    "2026-02-30T25:61",
    "' OR '1'='1",
    "²",
    "٣",
]
CLEAR_MESSAGE = re.compile(r'role="alert"|flash-error|<section class="card narrow">\s*<h1>')
EXAMPLES = int(os.environ.get("BAD_INPUT_EXAMPLES", "10"))
pytestmark = pytest.mark.sweep


@pytest.fixture
def app(any_db_app):
    """Every test here on both databases: PostgreSQL also enforces column lengths."""
    return any_db_app


_collection_app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
POST_RULES = [r.rule for r in web_rules(_collection_app, "POST")]


def value_strategy() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.just(OVERSIZED),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.text(max_size=40),
    )


class _FormFinder:
    """Field names of every POST form on the crawled pages, by the URL they post to."""

    FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
    ACTION = re.compile(r'action="([^"]*)"')
    METHOD = re.compile(r'method="post"', re.I)
    NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)

    def __init__(self) -> None:
        self.fields: dict[str, set[str]] = {}

    def feed(self, page_url: str, html: str) -> None:
        for attrs, body in self.FORM.findall(html):
            if not self.METHOD.search(attrs):
                continue
            found = self.ACTION.search(attrs)
            action = (found.group(1) if found and found.group(1) else page_url).split("?")[0]
            names = set(self.NAME.findall(body)) - {"csrf_token"}
            self.fields.setdefault(action.replace("&amp;", "&"), set()).update(names)


_FIELDS: dict[str, set[str]] = {}  # by endpoint: every test's world has the same pages


def form_fields(client, site: Site) -> dict[str, set[str]]:
    """Field names of each POST endpoint's form, crawled once per test run."""
    if not _FIELDS:
        finder = _FormFinder()
        for rule in web_rules(site.app, "GET"):
            url = site.url(rule)
            response = client.get(url)
            if response.mimetype == "text/html":
                finder.feed(url, response.get_data(as_text=True))
        adapter = site.app.url_map.bind("localhost")
        for action, names in finder.fields.items():
            path = action.split("#")[0].split("?")[0]  # an anchor or a query is no route
            endpoint, _args = adapter.match(path, method="POST")
            _FIELDS.setdefault(endpoint, set()).update(names)
    return _FIELDS


def encode(form: dict[str, str]) -> bytes:
    """The form as a browser would send it; lone surrogates become the bytes a broken client
    sends (invalid UTF-8), which the server must survive."""
    return "&".join(
        f"{urllib.parse.quote_plus(k)}="
        + urllib.parse.quote_plus(v.encode("utf-8", "surrogatepass"))
        for k, v in form.items()
    ).encode()


def as_received(value: str) -> str:
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def headers_for(site: Site, url: str, form: dict[str, str]) -> dict[str, str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if url.startswith("/sms/"):  # signed, so the hostile values reach the webhook itself
        target = site.app.config["PUBLIC_BASE_URL"].rstrip("/") + url
        received = {k: as_received(v) for k, v in form.items()}
        headers["X-Twilio-Signature"] = gateway.sign(site.app.config, target, received)
    return headers


def check_answer(
    client, response, url: str, before: dict[str, int], *, says_why: bool = True
) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    assert not TRACEBACK.search(text), f"{url} showed a stack trace"
    if response.mimetype == "text/html":
        assert XSS not in text and "<img src=x" not in text, f"{url} echoed a payload unescaped"
    if 400 <= response.status_code < 500:
        assert row_counts() == before, f"{url} answered {response.status_code} but wrote rows"
        if response.mimetype == "text/html" and says_why:
            assert CLEAR_MESSAGE.search(text), f"{url}: {response.status_code} says nothing"
        elif response.is_json:
            assert response.get_json().get("error"), f"{url}: {response.status_code} no message"
    if response.status_code in (301, 302, 303) and not url.startswith("/logout"):
        landing = client.get(response.headers["Location"])
        assert landing.status_code < 500, f"{url} redirected to a page that fails"
        assert XSS not in landing.get_data(as_text=True), f"{url}: payload unescaped after"


@pytest.mark.parametrize("rule_path", POST_RULES)
def test_hostile_form_values_never_cause_a_500_and_refusals_write_nothing(
    client, csrf_token, site, rule_path
):
    rule = next(r for r in web_rules(site.app, "POST") if r.rule == rule_path)
    url = site.url(rule)
    assert url is not None, f"no ids to fill {rule.rule}"
    fields = form_fields(client, site)
    names = sorted(fields.get(rule.endpoint) or set().union(*fields.values()))
    if url.startswith("/sms/"):
        names = WEBHOOK_FIELDS
    token = csrf_token(client.get("/account/tokens"))
    page = st.fixed_dictionaries({name: value_strategy() for name in names})

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(form=page)
    def post_hostile(form: dict[str, str]) -> None:
        before = row_counts()
        body = dict(form) if url.startswith("/sms/") else {**form, "csrf_token": token}
        response = client.post(url, data=encode(body), headers=headers_for(site, url, body))
        check_answer(client, response, url, before)

    for value in EVERY_FIELD:  # each kind once in every field, whatever hypothesis draws
        post_hostile.hypothesis.inner_test(form=dict.fromkeys(names, value))
    post_hostile()


@pytest.mark.parametrize("rule_path", [r for r in POST_RULES if "<int:" in r])
def test_ids_past_a_database_integer_in_the_path_are_a_404(client, csrf_token, site, rule_path):
    rule = next(r for r in web_rules(site.app, "POST") if r.rule == rule_path)
    url = site.url(rule)
    first_id = str(
        next(v for k, v in site.ids.items() if k in rule.arguments and isinstance(v, int))
    )
    huge = url.replace(f"/{first_id}", f"/{10**30}", 1)
    before = row_counts()

    response = client.post(huge, data={"csrf_token": csrf_token(client.get("/"))})

    assert response.status_code in (403, 404), huge
    assert row_counts() == before


@pytest.mark.parametrize(
    "path",
    [
        "/missions/{}",
        "/volunteers/{}",
        "/callouts/{}",
        "/reports/missions/{}",
        "/day/missions/{}/manifest",
    ],
)
def test_a_huge_id_on_a_page_is_a_404(client, site, path):
    assert client.get(path.format(10**30)).status_code == 404


TEXT_FORMS = {
    "/volunteers/new": {
        "name": XSS,
        "phone": "010-3333-4444",
        "language": "ko",
        "region": XSS_ATTR,
        "notes": XSS,
        "vehicle_kind": "",
    },
    "/account/tokens": {"name": XSS},
    "/admin/staff": {
        "email": "x@example.org",
        "name": XSS,
        "role": "team_lead",
        "password": "correct-horse-9",
    },
}


def test_script_payloads_saved_through_forms_are_escaped_on_every_page(client, csrf_token, site):
    token = csrf_token(client.get("/account/tokens"))
    for url, form in TEXT_FORMS.items():
        response = client.post(url, data={**form, "csrf_token": token})
        assert response.status_code in (200, 201, 302, 303), url
    echoed = 0
    for rule in web_rules(site.app, "GET"):
        response = client.get(site.url(rule))
        if response.mimetype != "text/html":
            continue  # CSV and JSON are not run by a browser (and nosniff says so)
        text = response.get_data(as_text=True)
        assert XSS not in text and "<img src=x" not in text, rule.rule
        echoed += "&lt;script&gt;" in text
    assert echoed >= 3  # the payload was shown, escaped, on the directory, staff and token pages


# Each class of bad input that once gave a 500, on every door it can reach.
ODD_DIGITS = ["²", "٣", "vehicle:²"]


def test_odd_digits_in_any_single_field_of_any_form_are_refused_not_a_500(client, csrf_token, site):
    """'²'.isdigit() is true but int('²') fails: every field alone, in every form. (The other
    fields are missing, and some pages do not say so; the number fields' own messages are
    checked below.)"""
    token = csrf_token(client.get("/account/tokens"))
    fields = form_fields(client, site)
    for rule in web_rules(site.app, "POST"):
        url = site.url(rule)
        names = WEBHOOK_FIELDS if url.startswith("/sms/") else fields.get(rule.endpoint, ())
        for name in sorted(names):
            for value in ODD_DIGITS:
                before = row_counts()
                body = (
                    {name: value} if url.startswith("/sms/") else {name: value, "csrf_token": token}
                )
                response = client.post(url, data=encode(body), headers=headers_for(site, url, body))
                check_answer(client, response, f"{url} {name}={value}", before, says_why=False)


def _upload(client, token: str, content: str):
    return client.post(
        "/volunteers/import",
        content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(content.encode()), "people.csv")},
    )


def test_odd_digits_as_csv_seats_are_a_row_error_naming_the_column(client, csrf_token, site):
    token = csrf_token(client.get("/volunteers/import"))
    before = row_counts()
    response = _upload(
        client, token, "이름,전화번호,좌석수\n김민준,010-4444-5555,²\n이서연,010-4444-6666,٣\n"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("seats must be a whole number") == 2
    assert row_counts() == before


def test_a_csv_cell_past_the_csv_modules_limit_is_a_400_naming_the_line(client, csrf_token, site):
    token = csrf_token(client.get("/volunteers/import"))
    before = row_counts()
    response = _upload(
        client, token, "이름,전화번호,메모\n김민준,010-4444-5555," + "x" * 200_000 + "\n"
    )
    assert response.status_code == 400
    assert "line 2 of the file cannot be read" in response.get_data(as_text=True)
    assert row_counts() == before


API_WRITES = [
    (r.rule, m)
    for r in _collection_app.url_map.iter_rules()
    if r.endpoint.startswith("api.")
    for m in sorted(r.methods & {"POST", "PUT", "PATCH", "DELETE"})
]


def test_deeply_nested_json_on_every_api_write_is_a_400_naming_the_body(app, client, site):
    """A team lead's token is enough to reach the JSON parser; it must not overflow."""
    lead = db.session.get(StaffUser, site.ids["user_id"])
    headers = {"Authorization": f"Bearer {issue_token(lead)}"}
    adapter = site.app.url_map.bind("localhost")
    assert len(API_WRITES) >= 10
    for rule_path, method in API_WRITES:
        rule = next(r for r in site.app.url_map.iter_rules() if r.rule == rule_path)
        url = adapter.build(rule.endpoint, {a: site.ids.get(a, 1) for a in rule.arguments})
        for body in ('{"rows": ' + "[" * 50_000 + "]" * 50_000 + "}", "[" * 100_000):
            before = row_counts()
            response = client.open(
                url, method=method, data=body, headers=headers, content_type="application/json"
            )
            assert response.status_code == 400, (method, url, response.status_code)
            assert response.get_json()["error"]["field"] == "body"
            assert row_counts() == before


def test_a_status_callback_naming_another_messages_sid_changes_nothing(app, client, site):
    sent = db.session.scalars(select(Message).where(Message.direction == "out")).all()[:2]
    first, second = sent
    db.session.execute(
        update(Message)
        .where(Message.id == first.id)
        .values(provider_sid="SM" + "1" * 32, status="sent")
    )
    db.session.execute(
        update(Message).where(Message.id == second.id).values(provider_sid=None, status="sending")
    )
    db.session.commit()
    form = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"}
    url = f"/sms/status?m={second.id}"
    before = {m.id: (m.status, m.provider_sid) for m in db.session.scalars(select(Message))}

    response = client.post(url, data=form, headers=headers_for(site, url, form))

    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "MessageSid"
    db.session.expire_all()
    assert {m.id: (m.status, m.provider_sid) for m in db.session.scalars(select(Message))} == (
        before
    )


@pytest.mark.parametrize("query", ["?m=²", "?m=٣", "?m=" + "9" * 40])
def test_a_status_callback_with_a_garbled_message_id_is_a_400_naming_it(app, client, site, query):
    form = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    url = "/sms/status" + query
    before = row_counts()
    response = client.post(url, data=form, headers=headers_for(site, url, form))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "m"
    assert row_counts() == before


def test_odd_digits_in_the_number_fields_are_refused_naming_them(client, csrf_token, site):
    mission, vehicle = site.ids["mission_id"], site.ids["vehicle_id"]
    day = f"/day/missions/{mission}"
    token = csrf_token(client.get(f"{day}/manifest"))
    posts = [
        (f"{day}/vehicles/{vehicle}/animals", {"animals_moved": "²"}, "Animals moved"),
        (
            f"{day}/shifts/{site.ids['shift_id']}/message",
            {"audience": "vehicle:²", "body": "출발", "nonce": "n1"},
            "Choose the shift",
        ),
        (
            f"/missions/{mission}/callouts/new",
            {"wave_size": "٣", "wave_interval_minutes": "15"},
            "Volunteers per wave",
        ),
    ]
    for url, form, named in posts:
        before = row_counts()
        response = client.post(url, data={**form, "csrf_token": token}, follow_redirects=True)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert named in response.get_data(as_text=True), url
        assert row_counts() == before, url

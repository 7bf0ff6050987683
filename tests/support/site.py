"""The whole staff site for security tests: some of everything, and a URL for every route.

`site` builds a world (a mission with roles, shifts, vehicles and signups, a call-out, an
inbound message, a volunteer with a personal link, a spare staff user and API token), logs
the test client in as an admin and fills every route's URL with real ids.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask
from sqlalchemy import Engine, Table, func, inspect, select, union_all
from werkzeug.routing import Rule

from coordinator import links
from coordinator.domain import animals, callouts, signups
from coordinator.domain.audience import Audience
from coordinator.extensions import db
from coordinator.models import ApiToken, Direction, Message, StaffRole
from coordinator.timeutil import now_utc

# Blueprints that are not the staff web site (the API has its own schemathesis sweep).
NOT_WEB = {"api", "static"}


@dataclass
class Site:
    app: Flask
    ids: dict[str, object]
    admin: object
    skipped: list[str] = field(default_factory=list)

    def url(self, rule: Rule) -> str | None:
        """The rule's URL with real ids of the world, or None if it names something unknown."""
        values = {}
        for name in rule.arguments:
            if name not in self.ids:
                return None
            values[name] = self.ids[name]
        if rule.endpoint == "personal.calendar":
            values["token"] = self.ids["calendar_token"]
        with self.app.test_request_context():
            from flask import url_for

            return url_for(rule.endpoint, **values)


def web_rules(app: Flask, method: str) -> list[Rule]:
    """Every web route answering `method`, sorted, for parametrising tests."""
    rules = [
        r
        for r in app.url_map.iter_rules()
        if method in r.methods
        and r.endpoint.split(".")[0] not in NOT_WEB
        and not r.endpoint.startswith("openapi")
    ]
    return sorted(rules, key=lambda r: r.rule)


@pytest.fixture(name="site")
def site_fixture(app, client, login, create_staff, create_volunteer, create_mission) -> Site:
    admin = create_staff(StaffRole.ADMIN)
    lead = create_staff(StaffRole.TEAM_LEAD)
    people = [create_volunteer(f"자원봉사자 {i}", skills=("handler", "driver")) for i in range(4)]
    mission = create_mission(
        roles={"Handler": "handler", "Driver": "driver"},
        shifts=[(7, 12), (13, 18)],
        capacity=3,
        day=0,
        team_leads=[lead],
        vehicles=[("승합차", 9, 12)],
    )
    signup = signups.sign_up(
        people[0],
        mission.positions[0],
        source="sms",  # the day before
        now=mission.starts_at - timedelta(days=1),
    )
    callout = callouts.create_callout(mission, audience=Audience(), is_urgent=True)
    callouts.run_wave(callout, now_utc())
    message = Message(
        direction=Direction.INBOUND,
        volunteer_id=people[1].id,
        phone=people[1].phone,
        body="B7 H AM ???",
        status="received",
        needs_attention=True,
    )
    token, _clear = ApiToken.issue(lead, name="script")
    animal = animals.record_animal(
        mission,
        {"tag": "F1-001", "species": "dog", "crate": "1", "vehicle_id": mission.vehicles[0].id},
        by=lead,
    )
    db.session.add_all([message, token])
    db.session.commit()
    ids = {
        "mission_id": mission.id,
        "shift_id": mission.shifts[0].id,
        "signup_id": signup.id,
        "volunteer_id": people[0].id,
        "callout_id": callout.id,
        "message_id": message.id,
        "vehicle_id": mission.vehicles[0].id,
        "position_id": mission.positions[1].id,
        "user_id": lead.id,
        "token_id": token.id,
        "animal_id": animal.id,
        "child_id": mission.roles[1].id,
        "kind": "roles",
        "token": links.make_token(people[0], mission.id),
        "calendar_token": links.make_calendar_token(people[0]),
        "secret": app.config["SOLAPI_STATUS_SECRET"],
    }
    login(admin)
    return Site(app, ids, admin)


def row_counts() -> dict[str, int]:
    """Rows per table, in one query: a request refused with 4xx must leave these unchanged."""
    tables = _tables_of(db.engine)
    query = union_all(*[select(func.count().label("n")).select_from(t) for t in tables])
    return dict(zip([t.name for t in tables], db.session.execute(query).scalars(), strict=True))


_TABLES: dict[str, list[Table]] = {}


def _tables_of(engine: Engine) -> list[Table]:
    # Asked once per database, not twice per request: a catalogue query per table each time
    # was most of the bad-input sweep's time. A test's tables do not change under it.
    url = engine.url.render_as_string(hide_password=False)
    if url not in _TABLES:
        existing = set(inspect(engine).get_table_names())
        _TABLES[url] = [t for t in db.metadata.sorted_tables if t.name in existing]
    return _TABLES[url]


class InlineCode(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("<script> without src")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        self.problems += [f"{n}= on <{tag}>" for n in sorted(names) if n.startswith("on")]
        if tag == "style":
            self.problems.append("<style> element")
        href = dict(attrs).get("href") or ""
        if href.strip().lower().startswith("javascript:"):
            self.problems.append(f"javascript: link on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")

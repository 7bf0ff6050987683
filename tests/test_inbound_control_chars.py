"""No inbound message is lost: control characters (NUL, which PostgreSQL refuses) are removed,
the rest is stored and answered, on both databases."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Direction, Message, Signup, SignupStatus
from tests.conftest import _build
from tests.support.conversation import (  # noqa: F401
    inbound_form,
    invite_fixture,
    signed_headers,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path):
    app = _build(request, request.param, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def send(app, client, phone: str, body: str, sid: str | None = None):
    form = inbound_form(phone, body, sid)
    return client.post("/sms/inbound", data=form, headers=signed_headers(app, form))


def replies(response) -> str:
    return "".join(n.text or "" for n in ET.fromstring(response.get_data()).iter("Message"))


@pytest.mark.parametrize("body", ["\x00네", "네\x00\x00", "\x01\x02\x1b[31m네\x7f", "네\u0085"])
def test_a_reply_with_control_characters_is_stored_cleaned_and_answered(
    app, client, create_mission, create_volunteer, invite, body
):
    mission = create_mission(code="B7", capacity=2)
    volunteer = create_volunteer()
    invite(mission, volunteer)

    response = send(app, client, volunteer.phone, body)

    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "확정" in replies(response)
    stored = db.session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert stored.body in ("네", "[31m네")
    assert db.session.scalar(select(Signup.status)) == SignupStatus.CONFIRMED


def test_a_message_of_control_characters_only_is_still_kept_for_the_inbox(
    app, client, create_volunteer
):
    volunteer = create_volunteer()
    response = send(app, client, volunteer.phone, "\x00\x01\x02", sid="SM\x00" + "b" * 32)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    stored = db.session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert stored.body == "" and stored.provider_sid == "SM" + "b" * 32
    assert stored.volunteer_id == volunteer.id


def test_a_sender_with_control_characters_is_stored_without_them(app, client, create_volunteer):
    volunteer = create_volunteer(phone="+821012345678")
    response = send(app, client, "+8210\x001234\x005678", "도움말")
    assert response.status_code == 200
    stored = db.session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert stored.phone == volunteer.phone and stored.volunteer_id == volunteer.id

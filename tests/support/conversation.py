"""Fixtures for the SMS conversation: call-out invitations and signed inbound webhooks."""

import itertools
import uuid

import pytest
from flask import Flask

from coordinator.extensions import db
from coordinator.models import CallOut, CallOutStatus, Invitation, Mission, Volunteer
from coordinator.sms import gateway

_sids = itertools.count(1)


@pytest.fixture
def invite():
    """Record that a call-out reached these volunteers: invite(mission, *volunteers)."""

    def do_invite(mission: Mission, *volunteers: Volunteer) -> CallOut:
        callout = CallOut(mission_id=mission.id, status=CallOutStatus.SENDING)
        db.session.add(callout)
        db.session.flush()
        for volunteer in volunteers:
            db.session.add(
                Invitation(callout_id=callout.id, mission_id=mission.id, volunteer_id=volunteer.id)
            )
        db.session.commit()
        return callout

    return do_invite


def new_sid() -> str:
    return f"SM{next(_sids):08d}{uuid.uuid4().hex[:24]}"


def inbound_form(phone: str, body: str, sid: str | None = None) -> dict[str, str]:
    """The form fields Twilio posts for one incoming SMS."""
    return {
        "MessageSid": sid or new_sid(),
        "SmsSid": sid or "",
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }


def signed_headers(app: Flask, form: dict[str, str], path: str = "/sms/inbound") -> dict:
    """The X-Twilio-Signature Twilio would send for this form to PUBLIC_BASE_URL + path."""
    url = app.config["PUBLIC_BASE_URL"].rstrip("/") + path
    return {"X-Twilio-Signature": gateway.sign(app.config, url, form)}


@pytest.fixture
def text_in(app, client):
    """Send an SMS as a volunteer through the signed webhook: text_in(phone, body, sid=None)."""

    def send(phone: str, body: str, sid: str | None = None):
        form = inbound_form(phone, body, sid)
        return client.post("/sms/inbound", data=form, headers=signed_headers(app, form))

    return send

"""POST /sms/inbound: every SMS a volunteer sends, answered with TwiML in the same request."""

from flask import Blueprint, Response, request

from coordinator.domain import inbound
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.security import public
from coordinator.sms import gateway
from coordinator.web.twilio_auth import twilio_signed

bp = Blueprint("webhooks", __name__)


def twiml(text: str) -> Response:
    """A TwiML answer carrying `text` as the reply SMS, or nothing when it is empty."""
    return Response(gateway.twiml_answer(text), mimetype="application/xml")


@bp.post("/sms/inbound")
@public
@twilio_signed
def sms_inbound():
    form = request.form
    try:
        received = inbound.receive_sms(
            sender=form.get("From", ""),
            body=form.get("Body", ""),
            provider_sid=form.get("MessageSid") or form.get("SmsSid", ""),
        )
    except DomainError as error:
        db.session.rollback()
        return {"error": {"code": error.code, "message": error.message, "field": error.field}}, 400
    db.session.commit()
    return twiml(received.answer_text)  # a plain string: nothing reloads after the commit

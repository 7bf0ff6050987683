"""POST /sms/status: Twilio delivery status callbacks (signed like every Twilio webhook)."""

from flask import Blueprint, abort, request

from coordinator.errors import DomainError, ValidationError
from coordinator.extensions import db
from coordinator.numbers import is_whole_number
from coordinator.security import public
from coordinator.sms import delivery
from coordinator.timeutil import now_utc
from coordinator.web.twilio_auth import twilio_signed

bp = Blueprint("sms_status", __name__)


def _int_or_none(value: str | None, field: str) -> int | None:
    """The provider's (or our own callback URL's) number; anything but 0-9 is refused."""
    if not value:
        return None
    if not is_whole_number(value) or len(value) > 10:
        raise ValidationError(f"{field} must be a whole number", field=field)
    return int(value)


@bp.post("/sms/status")
@public
@twilio_signed
def status():
    sid = request.form.get("MessageSid") or request.form.get("SmsSid")
    if not sid:
        abort(400, "MessageSid is required")
    try:
        delivery.apply_status_callback(
            sid=sid[:64],
            status=request.form.get("MessageStatus") or request.form.get("SmsStatus") or "",
            error_code=_int_or_none(request.form.get("ErrorCode"), "ErrorCode"),
            message_id=_int_or_none(request.args.get("m"), "m"),
            now=now_utc(),
        )
    except DomainError as error:
        db.session.rollback()
        return {"error": {"code": error.code, "message": error.message, "field": error.field}}, 400
    db.session.commit()
    return "", 204

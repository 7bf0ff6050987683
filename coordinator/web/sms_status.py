"""POST /sms/status: Twilio delivery status callbacks (signed like every Twilio webhook)."""

from flask import Blueprint, abort, request

from coordinator.extensions import db
from coordinator.security import public
from coordinator.sms import delivery
from coordinator.timeutil import now_utc
from coordinator.web.twilio_auth import twilio_signed

bp = Blueprint("sms_status", __name__)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.post("/sms/status")
@public
@twilio_signed
def status():
    sid = request.form.get("MessageSid") or request.form.get("SmsSid")
    if not sid:
        abort(400, "MessageSid is required")
    delivery.apply_status_callback(
        sid=sid[:64],
        status=request.form.get("MessageStatus") or request.form.get("SmsStatus") or "",
        error_code=_int_or_none(request.form.get("ErrorCode")),
        message_id=_int_or_none(request.args.get("m")),
        now=now_utc(),
    )
    db.session.commit()
    return "", 204

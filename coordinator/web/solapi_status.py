"""POST /sms/solapi/status/<secret>: Solapi's delivery reports.

Solapi documents no signature for its webhooks, so the URL registered with it carries a secret
(SOLAPI_STATUS_SECRET), compared in constant time; a wrong or missing one is a 404, as if there
were nothing here. Each report moves its message forward only (delivery.apply_status_callback):
a report repeated, or one overtaken by a later one, changes nothing.
"""

import hmac

from flask import Blueprint, abort, current_app, request

from coordinator.extensions import db
from coordinator.security import public
from coordinator.sms import delivery, gateway
from coordinator.timeutil import now_utc

bp = Blueprint("solapi_status", __name__)
MAX_BODY = 2 * 1024 * 1024  # Solapi posts reports in batches; far more than one ever holds


@bp.post("/sms/solapi/status/<secret>")
@public
def status(secret: str):
    expected = current_app.config.get("SOLAPI_STATUS_SECRET") or ""
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        abort(404)
    if (request.content_length or 0) > MAX_BODY:
        abort(413)
    try:
        reports = gateway.read_reports(request.get_json(silent=True))
    except gateway.ReportError as error:
        return {"error": {"message": str(error)}}, 400
    now = now_utc()
    for report in reports:
        delivery.apply_status_callback(
            sid=report.provider_id,
            status=report.status,
            error_code=report.error_code,
            message_id=report.message_id,
            now=now,
            error_message=report.error_message,
        )
    db.session.commit()
    return {"applied": len(reports)}, 200

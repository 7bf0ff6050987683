"""Solapi's delivery reports: the JSON list its webhook posts, read with the SDK's own model.

Solapi documents no signature for its webhook (the registration's `secret` is "설명 없음" in
solapi/documents, api-reference/webhook/createOutgoingData.md), so the URL carries a secret path
segment instead (SOLAPI_STATUS_SECRET), compared in constant time by the web door.

Each report names Solapi's messageId, our row (customFields.ref, as we sent it) and a status
code: 2000/3000 still on its way, 4000 received by the handset, anything else failed (the code
and Solapi's message say why, e.g. the carrier's refusal).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from solapi.model.webhook.single_report import SingleReportPayload

from coordinator.sms.providers.solapi.gateway import REF_FIELD

DELIVERED = "4000"
IN_FLIGHT = frozenset({"2000", "3000"})


class ReportError(ValueError):
    """The body is not a list of Solapi delivery reports."""


@dataclass(frozen=True)
class DeliveryReport:
    provider_id: str
    message_id: int | None  # our row, from customFields
    status: str  # in the words delivery.PROVIDER_STATUSES knows: sent, delivered, failed
    error_code: int | None
    error_message: str


def read_reports(body: object) -> list[DeliveryReport]:
    """The reports in a webhook body, in the order Solapi sent them."""
    try:
        payload = SingleReportPayload.model_validate(body)
    except ValidationError as exc:
        raise ReportError(f"not Solapi delivery reports: {exc.error_count()} problem(s)") from None
    reports = []
    for report in payload.root:
        data = report.data
        if not data.message_id:
            continue
        code = data.status_code or ""
        ref = str((data.custom_fields or {}).get(REF_FIELD) or "")
        if code == DELIVERED:
            status, error_code = "delivered", None
        elif code in IN_FLIGHT:
            status, error_code = "sent", None
        else:
            status, error_code = "failed", int(code) if code.isdigit() else None
        reports.append(
            DeliveryReport(
                data.message_id[:64],
                int(ref) if ref.isdigit() else None,
                status,
                error_code,
                "" if error_code is None else (data.status_message or "")[:500],
            )
        )
    return reports

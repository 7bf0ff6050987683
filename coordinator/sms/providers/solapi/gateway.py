"""Solapi: Korean numbers from the organisation's registered sender, the only solapi import.

A chunk of messages goes in one `send-many/detail` request (the documented limits: 10,000
recipients and 15 MB per request), each tagged with our row id in `customFields`, so every answer
finds its row whatever the order: accepted ones carry Solapi's message id, refused ones its status
code. Text is made EUC-KR-safe and typed SMS or LMS by its size (coordinator.sms.korean) before
it leaves; a text longer than LMS allows is refused here instead of being sent to fail. Alimtalk
goes with the SMS text as its fallback (`disableSms` false).

The SDK builds a fresh HTTP client per request and keeps only the provider's error code: a 4xx
comes out as Exception(errorCode, errorMessage), a 5xx as Exception("UnknownError", body), a
network failure as an httpx error. They are classified below.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from solapi import SolapiMessageService
from solapi.error.MessageNotReceiveError import MessageNotReceivedError
from solapi.lib.fetcher import RequestMethod, default_fetcher
from solapi.model.kakao.kakao_option import KakaoOption
from solapi.model.message_type import MessageType
from solapi.model.request.message import Message as SolapiMessage
from solapi.model.request.messages.get_messages import GetMessagesRequest
from solapi.model.request.send_message_request import SendRequestConfig
from solapi.model.response.send_message_response import MessageItem

from coordinator.sms import korean
from coordinator.sms.providers.base import (
    BatchAnswer,
    Gateway,
    Outgoing,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

log = logging.getLogger("coordinator.sms.solapi")

SOLAPI_API_URL = "https://api.solapi.com"
MAX_PER_REQUEST = 10_000  # recipients per send request (Solapi's documented limit)
ACCEPTED_CODE = "2000"  # statusCode of a message registered for sending
OPT_OUT_PAGE = 500  # 080 denials read per request
OPT_OUT_PAGES = 200  # at most this many pages a sync (100,000 numbers)
LOOKUP_LIMIT = 20  # latest messages to one number read when looking for a lost answer
LOOKUP_CLOCK_SLACK = timedelta(minutes=2)  # the provider's clock against ours
TOO_LONG_CODE = 9901  # ours: refused before sending, longer than an LMS may be
NOT_KOREAN_CODE = 9902  # ours: this route carries Korean numbers only
REF_FIELD = "ref"  # customFields key carrying our row id
# Error codes of a whole request worth trying again later (the SDK maps every 5xx to UnknownError).
TRANSIENT_ERRORS = frozenset(
    {
        "UnknownError",
        "TooManyRequests",
        "RateLimitExceeded",
        "InternalError",
        "ServiceUnavailable",
        "Timeout",
    }
)
TYPES = {"SMS": MessageType.SMS, "LMS": MessageType.LMS, "ALIMTALK": MessageType.ATA}


def domestic(phone: str) -> str | None:
    """+821012345678 as 01012345678; None for a number outside Korea."""
    if not phone.startswith("+82") or not phone[3:].isdigit():
        return None
    return "0" + phone[3:]


class SolapiGateway(Gateway):
    """Sends through the official solapi SDK, a chunk per request."""

    sends_batches = True

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        sender: str,
        api_base_url: str | None = None,
        kakao_channel_id: str | None = None,
        subject: str = "",
    ) -> None:
        if not api_key or not api_secret:
            raise ValueError("SOLAPI_API_KEY and SOLAPI_API_SECRET are required")
        sender_digits = domestic(sender) if sender.startswith("+") else sender.replace("-", "")
        if not sender_digits or not sender_digits.isdigit():
            raise ValueError("SOLAPI_SENDER must be the registered Korean sender number")
        self.sender = sender_digits
        self.kakao_channel_id = kakao_channel_id
        self.subject = korean.cut_to_bytes(subject, korean.SUBJECT_BYTES) if subject else None
        self.service = SolapiMessageService(api_key, api_secret)
        self.service.base_url = (api_base_url or SOLAPI_API_URL).rstrip("/")

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SendResult:
        """One message, as a batch of one (SMS or LMS by its size)."""
        item = Outgoing(0, to, body, korean.classify(body).message_type)
        answer = self.send_batch([item])[0]
        if isinstance(answer, PermanentSendError):
            raise answer
        return answer

    def send_batch(self, items: list[Outgoing]) -> dict[int, BatchAnswer]:
        """Send up to MAX_PER_REQUEST messages in one request; an answer for each item."""
        if len(items) > MAX_PER_REQUEST:
            raise ValueError(f"at most {MAX_PER_REQUEST} messages per Solapi request")
        answers: dict[int, BatchAnswer] = {}
        ready: list[SolapiMessage] = []
        for item in items:
            refusal = self._refusal(item)
            if refusal is not None:
                answers[item.id] = refusal
            else:
                ready.append(self._message(item))
        if not ready:
            return answers
        try:
            response = self.service.send(
                ready, SendRequestConfig(show_message_list=True, allow_duplicates=True)
            )
        except MessageNotReceivedError as exc:  # every message of the request refused
            failed, accepted = exc.failed_messages, list[MessageItem]()
        except httpx.HTTPError as exc:
            raise _network_error(exc) from exc
        except Exception as exc:  # the SDK's Exception(errorCode, errorMessage)
            raise _request_error(exc) from exc
        else:
            failed = response.failed_message_list or []
            accepted = response.message_list or []
        for refused in failed:
            ref = _ref(refused.custom_fields)
            if ref is not None:
                answers[ref] = PermanentSendError(
                    _code(refused.status_code), refused.status_message or "refused"
                )
        for taken in accepted:
            ref = _ref(taken.custom_fields)
            if ref is None:
                continue
            if taken.status_code not in (ACCEPTED_CODE, None, ""):
                answers[ref] = PermanentSendError(_code(taken.status_code), taken.status_message)
            else:
                answers[ref] = SendResult(sid=taken.message_id, status="queued", segments=1)
        return answers

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None:
        """Look through the latest messages to ``to`` since ``since`` for this text."""
        number = domestic(to)
        if number is None:
            return None
        query = GetMessagesRequest(
            to=number, limit=LOOKUP_LIMIT, start_date=(since - LOOKUP_CLOCK_SLACK).isoformat()
        )
        try:
            found = self.service.get_messages(query).message_list
        except Exception:  # the SDK raises plain Exceptions; we only cannot tell
            log.warning("could not ask Solapi about an unanswered message", exc_info=True)
            return None
        text = korean.to_euc_kr_safe(body)
        for message_id, message in found.items():
            if message.text == text:
                return SendResult(sid=message.message_id or message_id, status="queued")
        return None

    def opted_out_numbers(self) -> list[str]:
        """Numbers (E.164) that refused our sender through the 080 opt-out line.

        Solapi keeps the list (`GET /iam/v1/black`, the official Node SDK's getBlacks; the
        Python SDK has no call for it, so its own authenticated fetcher is used). Raises
        TransientSendError if Solapi cannot be asked now.
        """
        numbers: list[str] = []
        start_key = None
        for _page in range(OPT_OUT_PAGES):
            query = {"senderNumber": self.sender, "limit": OPT_OUT_PAGE}
            if start_key:
                query["startKey"] = start_key
            try:
                page = default_fetcher(
                    self.service.auth_info,
                    {
                        "method": RequestMethod.GET,
                        "url": f"{self.service.base_url}/iam/v1/black?{urlencode(query)}",
                    },
                )
            except httpx.HTTPError as exc:
                raise _network_error(exc) from exc
            except Exception as exc:  # the SDK's Exception(errorCode, errorMessage)
                raise _request_error(exc) from exc
            for entry in (page.get("blackList") or {}).values():
                number = str(entry.get("recipientNumber") or "")
                if entry.get("type", "DENIAL") == "DENIAL" and number.startswith("0"):
                    numbers.append("+82" + number[1:])
            start_key = page.get("nextKey")
            if not start_key:
                break
        return numbers

    def _refusal(self, item: Outgoing) -> PermanentSendError | None:
        if domestic(item.to) is None:
            return PermanentSendError(NOT_KOREAN_CODE, "Solapi carries Korean numbers only")
        if korean.classify(item.body).too_long:
            return PermanentSendError(
                TOO_LONG_CODE, f"longer than {korean.LMS_BYTES} bytes: not sent"
            )
        return None

    def _message(self, item: Outgoing) -> SolapiMessage:
        text = korean.to_euc_kr_safe(item.body)
        kind = item.message_type
        if kind not in TYPES or (
            kind == "ALIMTALK" and not (self.kakao_channel_id and item.template_id)
        ):
            kind = korean.classify(text).message_type
        fields: dict[str, Any] = {
            "from_": self.sender,
            "to": domestic(item.to),
            "text": text,
            "country": "82",
            "type": TYPES[kind],
            "auto_type_detect": False,
            "custom_fields": {REF_FIELD: str(item.id)},
        }
        if kind == "LMS" and self.subject:
            fields["subject"] = self.subject
        if kind == "ALIMTALK":
            # The SMS text is the fallback when KakaoTalk cannot deliver (disableSms false).
            fields["kakao_options"] = KakaoOption(
                pf_id=self.kakao_channel_id,
                template_id=item.template_id,
                variables=item.variables,
                disable_sms=False,
            )
        return SolapiMessage(**fields)


def _request_error(exc: Exception) -> TransientSendError:
    """A whole request refused (4xx or 5xx): nothing of it was accepted, so it may be retried.

    A refusal no retry cures (bad key, no balance) is logged loudly; the task's attempts
    (SMS_MAX_ATTEMPTS) then end it as failed rather than retrying forever.
    """
    code = str(exc.args[0]) if exc.args else type(exc).__name__
    detail = str(exc.args[1]) if len(exc.args) > 1 else ""
    if code not in TRANSIENT_ERRORS:
        log.error("Solapi refused a send request: %s %s", code, detail[:200])
    return TransientSendError(f"Solapi {code}: {detail[:200]}")


def _ref(fields: Mapping[str, str] | None) -> int | None:
    value = (fields or {}).get(REF_FIELD)
    return int(value) if value is not None and str(value).isdigit() else None


def _code(status_code: str | None) -> int | None:
    return int(status_code) if status_code and status_code.isdigit() else None


def _network_error(exc: httpx.HTTPError) -> TransientSendError:
    # Only a failure to connect proves the request never reached the provider.
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    return TransientSendError(f"{type(exc).__name__}: {exc}", maybe_accepted=not never_sent)

"""What every SMS provider shares: the Gateway interface, its errors and results.

Provider failures come out as ``TransientSendError`` (retry later) or ``PermanentSendError``
(give up, record the code). No SDK is imported here.
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

console_logger = logging.getLogger("coordinator.sms.console")

OPT_OUT_CODE = 21610  # Twilio's "recipient unsubscribed"; other providers map to it


class SendError(Exception):
    """The provider did not accept a message."""


class TransientSendError(SendError):
    """Worth retrying later: rate limited, provider down, network trouble."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, maybe_accepted: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        # True when the request may have reached the provider before the failure (read timeout,
        # connection dropped mid-answer): a retry could then deliver the message twice.
        self.maybe_accepted = maybe_accepted


class PermanentSendError(SendError):
    """The provider refused this message for good; the code says why."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def is_opt_out(self) -> bool:
        """True when the recipient has unsubscribed at the provider."""
        return self.code == OPT_OUT_CODE


@dataclass(frozen=True)
class SendResult:
    """What the provider said when it accepted a message."""

    sid: str
    status: str
    segments: int | None = None
    price: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """One message of a batch handed to a provider that takes many per request."""

    id: int  # our row id, echoed back so answers find their rows whatever their order
    to: str
    body: str
    message_type: str = "SMS"  # SMS, LMS or ALIMTALK (see coordinator.sms.korean)
    subject: str | None = None
    template_id: str | None = None  # Alimtalk only
    variables: dict[str, str] = field(default_factory=dict)


BatchAnswer = SendResult | PermanentSendError


class Gateway(ABC):
    """Hands SMS to a provider."""

    #: True when `send_batch` sends a whole chunk in one request (Solapi's send-many).
    sends_batches = False

    @abstractmethod
    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SendResult:
        """Send ``body`` to the E.164 number ``to``; raise a ``SendError`` if not accepted."""

    def send_batch(self, items: list[Outgoing]) -> dict[int, BatchAnswer]:
        """Send many messages in one request: {item id: result or refusal} for each.

        Raises ``TransientSendError`` when the request as a whole failed (nothing or, with
        ``maybe_accepted``, perhaps everything was accepted). Only batch providers implement it.
        """
        raise NotImplementedError(f"{type(self).__name__} sends one message per request")

    def opted_out_numbers(self) -> list[str]:
        """Numbers (E.164) the provider's own opt-out list holds (Korea's 080 line); [] if none."""
        return []

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None:
        """A message with this body the provider accepted for ``to`` since ``since``, if any.

        Asked before a claim whose answer was lost is sent again (tasks/sms.py). None means
        not found or cannot tell; a backend that cannot lose an answer keeps this default.
        """
        return None


class ConsoleGateway(Gateway):
    """Development backend: logs each message and reports it delivered."""

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SendResult:
        """Log the message instead of sending it."""
        sid = "SM" + uuid.uuid4().hex
        console_logger.info("SMS %s to %s:\n%s", sid, to, body)
        return SendResult(sid=sid, status="delivered")

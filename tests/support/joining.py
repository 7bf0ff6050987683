"""Helpers for the join page: a valid form, and the code the outbox holds for a number."""

import re

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Message

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def join_form(**overrides: object) -> dict:
    """What a 30-year-old in Suwon types on the join page (everything required, valid)."""
    form = {
        "name": "한지민",
        "phone": "010-3333-4444",
        "language": "ko",
        "region": "수원",
        "skills": ["handler", "driver"],
        "emergency_name": "한어머니",
        "emergency_phone": "010-5555-6666",
        "age_group": "14plus",
        "consent_required": "y",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def messages_to(e164: str) -> list[Message]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Message).where(Message.phone == e164).order_by(Message.id))
    )


def code_sent_to(e164: str) -> str:
    """The digits of the latest one-time code texted to this number."""
    for message in reversed(messages_to(e164)):
        found = CODE.search(message.body)
        if found and message.kind == "join":
            return found.group(1)
    raise AssertionError(f"no code was texted to {e164}")

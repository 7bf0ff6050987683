"""What a reader sees on a page, and the stored values that must never be part of it.

`visible_text` keeps text nodes and the attributes a person reads or hears (title,
placeholder, aria-label, alt, a button's value), but not literal samples of what to type
(<pre>, <code>, <kbd>: the CSV import's example file); `raw_values_in` names each stored value
(status, kind, role, skill, language, message kind) that shows up there as a whole word.
"""

import re
from html.parser import HTMLParser

from coordinator.domain.attendance import Action
from coordinator.models import (
    AttendanceStatus,
    CallOutStatus,
    MessageStatus,
    MissionKind,
    MissionStatus,
    SignupSource,
    SignupStatus,
    StaffRole,
)
from coordinator.models.volunteers import LANGUAGES, Skill, VehicleKind

# Message kinds written by the domain (Message.kind): shown to staff in the inbox and logs.
MESSAGE_KINDS = (
    "reply",
    "callout",
    "answer",
    "team",
    "reminder",
    "waitlist",
    "alert",
    "thank_you",
    "staff_reply",
    "mission_cancelled",
)

RAW_VALUES = sorted(
    {
        str(value)
        for enum in (
            AttendanceStatus,
            CallOutStatus,
            MessageStatus,
            MissionKind,
            MissionStatus,
            SignupSource,
            SignupStatus,
            StaffRole,
            Skill,
            VehicleKind,
            Action,
        )
        for value in enum
    }
    | set(LANGUAGES)
    | set(MESSAGE_KINDS)
)

HIDDEN = {"script", "style", "template", "pre", "code", "kbd"}
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self._hidden += 1
        values = dict(attrs)
        self.parts += [v for k, v in attrs if k in READ_ATTRIBUTES and v]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def raw_values_in(html: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Stored values shown as whole words (not inside a longer word, a URL or an e-mail)."""
    text = visible_text(html)
    found = []
    for value in RAW_VALUES:
        if value in allowed:
            continue
        pattern = rf"(?<![\w@./:-]){re.escape(value)}(?![\w@/-])"
        if re.search(pattern, text):
            found.append(value)
    return found


def stored_phone_numbers_in(html: str) -> list[str]:
    """Numbers shown as stored (+821012345678) instead of as people write them."""
    return re.findall(r"\+\d{9,15}\b", visible_text(html))

"""SMS wording: every template in both languages, short, and sendable on the Korean route.

Run with `-s` to see the segment count of every template with long and typical values.
"""

import re
from collections import defaultdict

import pytest
from jinja2 import StrictUndefined

from coordinator.extensions import db
from coordinator.sms.outbox import queue_sms
from coordinator.sms.segments import count_segments
from coordinator.sms.texts import render_sms
from tests.support.i18n import ROOT
from tests.support.sms_samples import (
    ENGLISH_LONG,
    ENGLISH_SPARSE,
    ENGLISH_TYPICAL,
    KOREAN_LONG,
    KOREAN_SPARSE,
    KOREAN_TYPICAL,
    contexts,
)

SMS_DIR = ROOT / "templates" / "sms"
LANGUAGES = ("ko", "en")
# Sent to many people at once or unasked: these must stay within two segments.
SHORT_BY_DESIGN = ("callout", "reminder_day_before", "reminder_same_day", "reminder_waitlisted")
MAX_SEGMENTS = 2
HANGUL = range(0xAC00, 0xD7A4)


def _templates() -> dict[str, set[str]]:
    found = defaultdict(set)
    for path in SMS_DIR.glob("*.txt"):
        name, language, _txt = path.name.rsplit(".", 2)
        found[name].add(language)
    return found


def _template_of(case: str) -> str:
    return case.split("[")[0]


@pytest.fixture
def strict_app(app):
    """The app, with a template variable nobody passed failing loudly instead of vanishing."""
    app.jinja_env.undefined = StrictUndefined
    return app


def test_every_sms_template_has_its_twin_in_the_other_language():
    templates = _templates()
    assert len(templates) > 20
    lonely = {
        name: sorted(set(LANGUAGES) - langs)
        for name, langs in templates.items()
        if langs != set(LANGUAGES)
    }
    assert lonely == {}, "each SMS needs templates/sms/<name>.ko.txt and <name>.en.txt"


def test_the_render_cases_cover_every_template(strict_app):
    covered = {_template_of(case) for case in contexts(KOREAN_TYPICAL, "ko")}
    assert covered == set(_templates()), "give a new template its values in sms_samples.py"


@pytest.mark.parametrize(
    ("language", "values", "label"),
    [
        ("ko", KOREAN_LONG, "long"),
        ("ko", KOREAN_TYPICAL, "typical"),
        ("en", ENGLISH_LONG, "long"),
        ("en", ENGLISH_TYPICAL, "typical"),
        # Shown for information: Korean names in an English text make it UCS-2.
        ("en", KOREAN_TYPICAL, "Korean names"),
    ],
)
def test_segment_counts_of_every_template_with_real_values(strict_app, language, values, label):
    over = {}
    print(f"\n{language} {label}: template  encoding  segments  units")
    for case, context in sorted(contexts(values, language).items()):
        text = render_sms(_template_of(case), language, **context)
        info = count_segments(text)
        print(f"  {case:28} {info.encoding}  {info.segments}  {info.characters}")
        assert text.strip(), f"{case} rendered empty"
        if _template_of(case) in SHORT_BY_DESIGN and label == "typical":
            expected = "UCS-2" if language == "ko" else "GSM-7"
            if info.encoding != expected or info.segments > MAX_SEGMENTS:
                over[case] = (info.encoding, info.segments, text)
    assert over == {}, f"at most {MAX_SEGMENTS} segments with typical values"


@pytest.mark.parametrize("values", [KOREAN_TYPICAL, KOREAN_LONG])
def test_korean_texts_use_only_characters_the_korean_route_can_carry(strict_app, values):
    for case, context in contexts(values, "ko").items():
        text = render_sms(_template_of(case), "ko", **context)
        try:
            text.encode("euc-kr")
        except UnicodeEncodeError as error:
            pytest.fail(f"{case}: {text[error.start : error.end]!r} is not in EUC-KR: {text!r}")


def test_english_templates_carry_no_korean_words_of_their_own(strict_app):
    for case, context in contexts(ENGLISH_TYPICAL, "en").items():
        text = render_sms(_template_of(case), "en", **context)
        assert [char for char in text if ord(char) in HANGUL] == [], f"{case}: {text!r}"


# A label with nothing after it ("Meet:", "Meet at:"; on the first line, "Your plans:" heads a
# list), a separator with nothing after it ("@", "- ", ","), a comma before nothing ("07:00, .")
BARE_LABEL = re.compile(r"^[^\s:]+( [^\s:]+)?:\s*$")
EMPTY_VALUE = re.compile(r"(@|,| -)\s*$|,\s*[.,]|\(\s*\)")


@pytest.mark.parametrize(("language", "values"), [("ko", KOREAN_SPARSE), ("en", ENGLISH_SPARSE)])
def test_no_sms_shows_an_empty_label_when_a_value_is_missing(strict_app, language, values):
    empty = {}
    for case, context in contexts(values, language).items():
        text = render_sms(_template_of(case), language, **context)
        lines = text.splitlines()
        bad = [
            line
            for i, line in enumerate(lines)
            if EMPTY_VALUE.search(line) or (i and BARE_LABEL.match(line))
        ]
        if bad:
            empty[case] = bad
    assert empty == {}


@pytest.mark.parametrize(
    ("language", "words"), [("ko", ["승합차", "운전"]), ("en", ["Van", "Driver"])]
)
def test_vehicle_kinds_and_skills_are_words_in_the_volunteers_language(strict_app, language, words):
    world = contexts(KOREAN_TYPICAL if language == "ko" else ENGLISH_TYPICAL, language)
    confirmed = render_sms("booking_confirmed", language, **world["booking_confirmed"])
    position = world["booking_refused[skill]"]["position"]
    position.role.required_skill = "driver"
    refused = render_sms("booking_refused", language, **world["booking_refused[skill]"])

    assert words[0] in confirmed and "van" not in confirmed
    assert words[1] in refused and "driver" not in refused


def test_every_sms_goes_out_in_the_volunteers_own_language(app, create_volunteer):
    korean = create_volunteer("김민준", language="ko")
    english = create_volunteer("Emma Clarke", language="en")

    to_korean = queue_sms(korean, "opted_in", kind="reply", idempotency_key="lang-ko")
    to_english = queue_sms(english, "opted_in", kind="reply", idempotency_key="lang-en")
    db.session.commit()

    assert to_korean.body == render_sms("opted_in", "ko")
    assert to_english.body == render_sms("opted_in", "en")
    assert any(ord(char) in HANGUL for char in to_korean.body)
    assert not any(ord(char) in HANGUL for char in to_english.body)

"""Routing by country, SMS or LMS by EUC-KR size, Alimtalk templates, settings that refuse."""

import ast
import re
from pathlib import Path

import pytest

from config import Config, ConfigError, ProductionConfig
from coordinator.sms import korean
from coordinator.sms.routing import (
    RouteConfigError,
    parse_kakao_templates,
    parse_routes,
    plan_message,
    route_for,
)

ROOT = Path(__file__).resolve().parents[1]
ROUTES = {"SMS_BACKEND": "twilio", "SMS_ROUTES": "+82=solapi"}


@pytest.mark.parametrize(
    ("phone", "route"),
    [
        ("+821012345678", "solapi"),
        ("+82212345678", "solapi"),
        ("+15005550006", "twilio"),
        ("+8613800138000", "twilio"),  # China (+86) is not Korea (+82)
        ("+447700900123", "twilio"),
    ],
)
def test_a_message_goes_by_its_recipients_country(phone, route):
    assert route_for(phone, ROUTES) == route


def test_without_routes_every_number_takes_the_backend():
    assert route_for("+821012345678", {"SMS_BACKEND": "console"}) == "console"
    assert route_for("+821012345678", {}) == "console"


def test_the_longest_calling_code_wins():
    config = {"SMS_BACKEND": "console", "SMS_ROUTES": "+1=twilio, +82=solapi +8210=console"}
    assert route_for("+821012345678", config) == "console"
    assert route_for("+82212345678", config) == "solapi"
    assert route_for("+15005550006", config) == "twilio"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("82solapi", "'82solapi' is not a route"),
        ("+82=kakao", "unknown provider 'kakao'"),
        ("+0=twilio", r"'\+0=twilio' is not a route"),
    ],
)
def test_a_route_that_cannot_be_read_is_refused_naming_it(raw, says):
    with pytest.raises(RouteConfigError, match=says):
        parse_routes(raw)


@pytest.mark.parametrize(
    ("text", "kind", "size"),
    [
        ("a" * 90, "SMS", 90),
        ("a" * 91, "LMS", 91),
        ("가" * 45, "SMS", 90),  # a Hangul syllable is two bytes
        ("가" * 45 + "a", "LMS", 91),
        ("구조\n" * 18, "SMS", 90),  # a newline is one byte
        ("가" * 1000, "LMS", 2000),
    ],
)
def test_sms_within_90_euc_kr_bytes_lms_beyond(text, kind, size):
    result = korean.classify(text)
    assert (result.message_type, result.size, result.too_long) == (kind, size, False)


def test_past_2000_bytes_a_text_cannot_go_even_as_lms():
    assert korean.classify("가" * 1000 + "a").too_long


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("구조 😀 고마워요", "구조 ? 고마워요"),  # emoji: not in EUC-KR
        ("“급구” — 핸들러…", '"급구" - 핸들러...'),  # typographic marks: their plain look-alike
        ("똠양꿍", "?양꿍"),  # a syllable outside KS X 1001's 2,350
        ("❤️", "?"),  # the variation selector goes with it
        ("온도 −3°C", "온도 -3°C"),
    ],
)
def test_characters_euc_kr_cannot_carry_are_replaced_before_sending(text, sent):
    assert korean.to_euc_kr_safe(text) == sent
    sent.encode("euc_kr")  # what is left always encodes


def test_the_characters_that_would_be_replaced_are_named_once_each():
    assert korean.unsendable("😀 구조 😀 똠") == ["😀", "똠"]


def test_a_korean_number_goes_as_sms_or_lms_by_size_and_a_foreign_one_as_sms():
    assert plan_message("+821012345678", "짧은 문자", ROUTES).message_type == "SMS"
    assert plan_message("+821012345678", "긴 문자 " * 30, ROUTES).message_type == "LMS"
    assert plan_message("+15005550006", "long " * 100, ROUTES) == plan_message(
        "+15005550006", "short", ROUTES
    )


TEMPLATES = (
    '{"booking_confirmed.ko": {"template_id": "KA01TP1", "variables": '
    '{"#{이름}": "volunteer.name", "#{임무}": "mission.title"}}}'
)


class Named:
    def __init__(self, **fields: str) -> None:
        self.__dict__.update(fields)


def test_a_volunteer_triggered_message_with_a_template_goes_as_alimtalk_with_its_variables():
    config = {**ROUTES, "KAKAO_CHANNEL_ID": "KA01PF1", "KAKAO_TEMPLATES": TEMPLATES}
    plan = plan_message(
        "+821012345678",
        "예약이 확정되었어요",
        config,
        template="booking_confirmed",
        language="ko",
        context={"volunteer": Named(name="김민준"), "mission": Named(title="구조")},
    )

    assert (plan.route, plan.message_type) == ("solapi", "ALIMTALK")
    assert plan.provider_options == {
        "template_id": "KA01TP1",
        "variables": {"#{이름}": "김민준", "#{임무}": "구조"},
    }


def test_without_a_template_for_the_language_or_the_channel_it_stays_sms():
    config = {**ROUTES, "KAKAO_CHANNEL_ID": "KA01PF1", "KAKAO_TEMPLATES": TEMPLATES}
    english = plan_message(
        "+821012345678", "Booked", config, template="booking_confirmed", language="en"
    )
    no_channel = plan_message(
        "+821012345678",
        "확정",
        {**config, "KAKAO_CHANNEL_ID": ""},
        template="booking_confirmed",
        language="ko",
    )
    assert (english.message_type, no_channel.message_type) == ("SMS", "SMS")


def test_a_call_out_can_never_be_configured_as_alimtalk():
    with pytest.raises(RouteConfigError, match="'callout.ko' must be <message>.<ko|en>"):
        parse_kakao_templates('{"callout.ko": {"template_id": "KA01TP9"}}')


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("{not json", "must be JSON"),
        ('["booking_confirmed.ko"]', "must be a JSON object"),
        ('{"booking_confirmed.ko": {}}', 'needs a "template_id"'),
        ('{"booking_confirmed.ko": {"template_id": "x", "variables": {"a": 1}}}', "variables"),
    ],
)
def test_a_template_map_that_cannot_be_read_is_refused_naming_what_is_wrong(raw, says):
    with pytest.raises(RouteConfigError, match=says):
        parse_kakao_templates(raw)


def _sdk_imports(package: str) -> list[str]:
    offenders = []
    # The product's code; bench/ calls the SDKs directly on purpose (its baselines).
    for path in [
        *(ROOT / "coordinator").rglob("*.py"),
        *(ROOT / "tasks").rglob("*.py"),
        ROOT / "wsgi.py",
        ROOT / "config.py",
    ]:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == package or name.startswith(package + ".") for name in names):
                offenders.append(str(path.relative_to(ROOT)))
    return sorted(set(offenders))


@pytest.mark.parametrize("package", ["twilio", "solapi"])
def test_only_the_providers_own_folder_imports_its_sdk(package):
    folder = f"coordinator/sms/providers/{package}/"
    outside = [path for path in _sdk_imports(package) if not path.startswith(folder)]
    assert outside == []
    assert _sdk_imports(package), f"{folder} should be where {package} is used"


def _config(cls, **settings):
    config = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    config.update(SECRET_KEY="x" * 40, PUBLIC_BASE_URL="https://rescue.example.org")
    config.update(settings)
    return config


SOLAPI = {
    "SMS_ROUTES": "+82=solapi",
    "SOLAPI_API_KEY": "NCSKEY",
    "SOLAPI_API_SECRET": "secret",
    "SOLAPI_SENDER": "02-1234-5678",
    "SOLAPI_STATUS_SECRET": "s" * 24,
}


@pytest.mark.parametrize("sender", ["+15005550006", "1234", "010-1234", "not a number"])
def test_a_sender_that_is_not_a_valid_korean_number_is_refused_at_start_up(sender):
    with pytest.raises(ConfigError, match=re.escape(f"SOLAPI_SENDER {sender!r} is not a valid")):
        Config.check(_config(Config, **{**SOLAPI, "SOLAPI_SENDER": sender}))


@pytest.mark.parametrize("sender", ["02-1234-5678", "010-1234-5678", "+82 2 1234 5678"])
def test_a_registered_korean_sender_is_accepted(sender):
    ProductionConfig.check(_config(ProductionConfig, **{**SOLAPI, "SOLAPI_SENDER": sender}))


@pytest.mark.parametrize("missing", ["SOLAPI_API_KEY", "SOLAPI_API_SECRET", "SOLAPI_SENDER"])
def test_production_refuses_a_solapi_route_without_its_settings(missing):
    with pytest.raises(ConfigError, match=f"the solapi route needs {missing}"):
        ProductionConfig.check(_config(ProductionConfig, **{**SOLAPI, missing: None}))


def test_production_refuses_a_twilio_route_without_a_sender():
    settings = {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": "AC1",
        "TWILIO_AUTH_TOKEN": "t",
        "TWILIO_FROM_NUMBER": None,
        "TWILIO_MESSAGING_SERVICE_SID": None,
    }
    with pytest.raises(ConfigError, match="TWILIO_FROM_NUMBER"):
        ProductionConfig.check(_config(ProductionConfig, **settings))


def test_solapi_cannot_be_routed_numbers_outside_korea():
    with pytest.raises(ConfigError, match=r"Solapi carries Korean numbers only, not \+1"):
        Config.check(_config(Config, **{**SOLAPI, "SMS_ROUTES": "+82=solapi,+1=solapi"}))


def test_the_console_backend_is_still_the_default_for_make_run():
    assert (Config.SMS_BACKEND, Config.SMS_ROUTES, Config.CURRENCY) == ("console", "", "KRW")
    assert Config.QUIET_HOURS == "21:00-08:00"  # 정보통신망법 art. 50

"""Korean and English: who reads in which language, and dates in the organisation's zone."""

from datetime import datetime
from decimal import Decimal

from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from werkzeug.exceptions import default_exceptions

from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.labels import label
from coordinator.models import StaffUser
from coordinator.timeutil import as_utc, local_zone

# Pattern per locale: `11월 25일 (수) 07:00` / `Wed 25 Nov 07:00`.
DATETIME_PATTERNS = {"ko": "M월 d일 (E) HH:mm", "en": "EEE d MMM HH:mm"}
DATE_PATTERNS = {"ko": "yyyy년 M월 d일 (E)", "en": "EEE d MMM yyyy"}
# In an SMS every byte counts: 12/6(토) 07:00 is 15 bytes in EUC-KR, 12월 6일 (토) 07:00 is 19.
SMS_DATETIME_PATTERNS = {"ko": "M/d(E) HH:mm", "en": "EEE d MMM HH:mm"}
TIME_PATTERN = "HH:mm"
SOURCE_LANGUAGE = "en"  # the language of the strings in the code
# Each language named in itself: a reader lost in the other language still finds their own.
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}


# Error page words, marked here for the catalogue; coordinator/web/errors.py shows them.
ERROR_WORDS = (
    lazy_gettext("Bad Request"),
    lazy_gettext("Unauthorized"),
    lazy_gettext("Forbidden"),
    lazy_gettext("Not Found"),
    lazy_gettext("Method Not Allowed"),
    lazy_gettext("Conflict"),
    lazy_gettext("Request Entity Too Large"),
    lazy_gettext("Too Many Requests"),
    lazy_gettext("Form expired"),
    lazy_gettext("Something went wrong"),
    lazy_gettext("The form was missing its security token. Reload and try again."),
    lazy_gettext("The error was logged. Please try again."),
    lazy_gettext("A number or text in the request is out of range."),
)
# Werkzeug's own descriptions are English paragraphs; readers get one plain sentence.
ERROR_DETAILS = {
    400: lazy_gettext("Something in the request was not right. Go back and try again."),
    403: lazy_gettext("Your account cannot do this. Ask an admin if you need it."),
    404: lazy_gettext("There is nothing at this address. It may have been removed."),
    405: lazy_gettext("This page cannot be used that way."),
    413: lazy_gettext("The file is too large."),
    429: lazy_gettext("Too many tries in a short time. Wait a moment and try again."),
}


def error_page_text(status: int, title: str, detail: str) -> tuple[str, str]:
    """An error page's title and sentence in the reader's language."""
    default = default_exceptions.get(status)
    if default is not None and detail == default.description:
        detail = str(ERROR_DETAILS.get(status, detail))
    return gettext(title), gettext(detail)


def select_locale() -> str:
    """A page's language: set for this request (volunteer page) > staff choice > browser.

    Outside a request (CLI, Celery) messages are for operators and stay in the source
    language; whatever a volunteer reads sets its language itself (force_locale). API
    clients get English unless they ask otherwise, so scripts see stable messages.
    """
    languages = current_app.config["LANGUAGES"]
    if g.get("locale") in languages:
        return g.locale
    if not has_request_context():
        return SOURCE_LANGUAGE
    if request.blueprint == "api":
        return request.accept_languages.best_match(languages) or SOURCE_LANGUAGE
    if session.get("lang") in languages:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or languages[0]


def set_staff_language(user: StaffUser, language: str) -> str:
    """Remember the language a staff user reads pages in; refuses a language we do not have."""
    if language not in current_app.config["LANGUAGES"]:
        raise ValidationError(lazy_gettext("Choose Korean or English."), field="language")
    user.language = language
    db.session.flush()
    return language


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def format_local(value: datetime | None, kind: str = "datetime", locale: str | None = None) -> str:
    """A stored UTC time as the reader expects it, in the organisation's zone."""
    if value is None:
        return ""
    from flask_babel import get_locale

    lang = locale or str(get_locale() or "ko")
    lang = "ko" if lang.startswith("ko") else "en"
    patterns = {"datetime": DATETIME_PATTERNS, "date": DATE_PATTERNS, "sms": SMS_DATETIME_PATTERNS}
    pattern = patterns.get(kind, {}).get(lang, TIME_PATTERN)
    return babel_format_datetime(as_utc(value), pattern, tzinfo=local_zone(), locale=lang)


def format_money(amount: object, locale: str | None = None) -> str:
    """An amount in the organisation's CURRENCY as its readers write it: ₩1,250, not 1250.00.

    The one place money is formatted: call-out previews, reports and the API's text all use it.
    """

    from babel.numbers import format_currency
    from flask_babel import get_locale

    lang = locale or str(get_locale() or "ko")
    lang = "ko" if lang.startswith("ko") else "en"
    currency = current_app.config.get("CURRENCY") or "KRW"
    return format_currency(Decimal(str(amount or 0)), currency, locale=lang)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_dt"] = lambda v, loc=None: format_local(v, "datetime", loc)
    app.jinja_env.filters["local_date"] = lambda v, loc=None: format_local(v, "date", loc)
    app.jinja_env.filters["local_time"] = lambda v, loc=None: format_local(v, "time", loc)
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["money"] = format_money
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES

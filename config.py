"""Configuration from the environment (a `.env` file is read in development).

The variable names are an interface other systems depend on: see shared/DESIGN.md.
"""

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

load_dotenv(BASE_DIR / ".env")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which variable to fix."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{INSTANCE_DIR / name}"


class Config:
    """Settings for development and the embedded default (`make run`)."""

    ENV_NAME = "development"
    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", _sqlite_url("coordinator.db"))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    CELERY_BROKER_URL = _env("CELERY_BROKER_URL", "sqla+" + _sqlite_url("broker.db"))

    SMS_BACKEND = _env("SMS_BACKEND", "console")
    TWILIO_ACCOUNT_SID = _env("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = _env("TWILIO_AUTH_TOKEN")
    TWILIO_FROM_NUMBER = _env("TWILIO_FROM_NUMBER")
    TWILIO_MESSAGING_SERVICE_SID = _env("TWILIO_MESSAGING_SERVICE_SID")
    TWILIO_API_BASE_URL = _env("TWILIO_API_BASE_URL")
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL")
    SMS_RATE_PER_SECOND = _int("SMS_RATE_PER_SECOND", 10)
    SMS_HTTP_TIMEOUT = _int("SMS_HTTP_TIMEOUT", 10)
    SMS_PRICE_PER_SEGMENT = _env("SMS_PRICE_PER_SEGMENT", "0.0525")  # USD, Twilio list price
    SMS_VALIDITY_PERIOD = _int("SMS_VALIDITY_PERIOD", 4 * 3600)  # seconds a call-out may wait
    SMS_BATCH_SIZE = _int("SMS_BATCH_SIZE", 25)  # message ids per Celery send task
    SMS_MAX_ATTEMPTS = _int("SMS_MAX_ATTEMPTS", 8)  # provider tries before a message fails
    OUTBOX_SWEEP_SECONDS = _int("OUTBOX_SWEEP_SECONDS", 30)  # how often beat runs the sweeper
    OUTBOX_QUEUED_STALE_SECONDS = _int("OUTBOX_QUEUED_STALE_SECONDS", 300)  # re-hand to Celery
    OUTBOX_SENDING_STALE_SECONDS = _int("OUTBOX_SENDING_STALE_SECONDS", 120)  # claim presumed lost
    CALLOUT_WAVE_POLL_SECONDS = _int("CALLOUT_WAVE_POLL_SECONDS", 20)  # beat checks due waves
    CELERY_DEFAULT_QUEUE = _env("CELERY_DEFAULT_QUEUE", "celery")
    ORGANISATION_NAME = _env("ORGANISATION_NAME", "Rescue")
    ORGANISATION_CONTACT = _env("ORGANISATION_CONTACT", "")

    TIMEZONE = _env("TIMEZONE", "Asia/Seoul")
    QUIET_HOURS = _env("QUIET_HOURS", "22:00-07:00")
    BABEL_DEFAULT_LOCALE = "ko"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ("ko", "en")

    VOLUNTEER_LINK_MAX_AGE = _int("VOLUNTEER_LINK_MAX_AGE", 14 * 24 * 3600)
    VOLUNTEER_LINK_POSTS_PER_MINUTE = _int("VOLUNTEER_LINK_POSTS_PER_MINUTE", 20)
    WAITLIST_OFFER_MINUTES = _int("WAITLIST_OFFER_MINUTES", 60)
    CONVERSATION_TTL_MINUTES = _int("CONVERSATION_TTL_MINUTES", 120)  # a menu stays answerable
    # The SMS simulator books real volunteers as if they had texted: off in production.
    SIMULATOR_ENABLED = _env("SIMULATOR_ENABLED", "1") == "1"

    # Mission day: reminders, self check-in window, automatic no-show.
    REMINDER_DAY_BEFORE_AT = _env("REMINDER_DAY_BEFORE_AT", "18:00")  # local time
    REMINDER_SAME_DAY_MINUTES = _int("REMINDER_SAME_DAY_MINUTES", 120)  # before the shift
    CHECK_IN_OPENS_MINUTES = _int("CHECK_IN_OPENS_MINUTES", 60)  # before the shift starts
    CHECK_IN_CLOSES_MINUTES = _int("CHECK_IN_CLOSES_MINUTES", 0)  # after the shift ends
    NO_SHOW_GRACE_MINUTES = _int("NO_SHOW_GRACE_MINUTES", 30)  # after the shift starts

    WTF_CSRF_TIME_LIMIT = None  # a coordinator may keep a form open all morning
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME", 12 * 3600)

    @classmethod
    def celery_settings(cls, broker_url: str) -> dict:
        """Celery's settings: the outbox in the database is the truth, the broker a pointer."""
        return {
            "broker_url": broker_url,
            "task_default_queue": cls.CELERY_DEFAULT_QUEUE,
            "result_backend": None,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            "timezone": "UTC",
        }

    @classmethod
    def check(cls, config: dict) -> None:
        """Fill development defaults; production subclasses refuse unsafe ones."""
        if not config.get("SECRET_KEY"):
            # Development only: sessions do not survive a restart, which is fine locally.
            config["SECRET_KEY"] = secrets.token_hex(32)


class ProductionConfig(Config):
    """Settings for a real deployment: no generated secrets, secure cookies."""

    ENV_NAME = "production"
    SIMULATOR_ENABLED = _env("SIMULATOR_ENABLED", "0") == "1"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    @classmethod
    def check(cls, config: dict) -> None:
        key = config.get("SECRET_KEY") or ""
        if len(key) < 32 or key in {"change-me", "dev", "secret"}:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least 32 characters in "
                "production (for example: python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if not config.get("PUBLIC_BASE_URL"):
            raise ConfigError(
                "PUBLIC_BASE_URL must be set in production: workers build volunteers' links "
                "and Twilio's callback URLs from it (for example https://rescue.example.org)"
            )
        if config.get("SMS_BACKEND") == "twilio" and not config.get("TWILIO_AUTH_TOKEN"):
            raise ConfigError("SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")


class TestingConfig(Config):
    """Settings for the test suite; each test passes its own database URL."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production-0123456789"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    CELERY_BROKER_URL = "memory://"
    SMS_BACKEND = "console"
    PUBLIC_BASE_URL = "https://rescue.example.org"
    TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    TWILIO_AUTH_TOKEN = "test-auth-token"
    TWILIO_FROM_NUMBER = "+15005550006"


CONFIGS = {
    "development": Config,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def config_class(name: str | None = None) -> type[Config]:
    """The config class named by `name` or the APP_ENV variable (default development)."""
    name = name or _env("APP_ENV") or "development"
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, got {name!r}") from None

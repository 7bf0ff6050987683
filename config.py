"""Configuration from the environment (a `.env` file is read in development).

The variable names are an interface other systems depend on: see shared/DESIGN.md.
"""

import os
import secrets
import tempfile
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


def development_secret(path: Path) -> str:
    """The key kept in `path`, created on first use; safe when processes race to create it.

    The new key is written in full to a private temporary file, then hard-linked into place:
    `link` fails if another process got there first, and everyone then reads the winner's key.
    """
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won the race: use its key
    finally:
        temporary.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable SECRET_KEY: delete it to generate a new one")
    return key


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
    SMS_PRICE_PER_SEGMENT = _env("SMS_PRICE_PER_SEGMENT", "75")  # in CURRENCY; Twilio to Korea
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
    QUIET_HOURS = _env("QUIET_HOURS", "21:00-08:00")  # 정보통신망법 art. 50: 21:00-08:00
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
    # A team lead's walk-in with a number on file: how long the place waits for its owner.
    WALK_IN_CONFIRM_MINUTES = _int("WALK_IN_CONFIRM_MINUTES", 30)

    WTF_CSRF_TIME_LIMIT = None  # a coordinator may keep a form open all morning
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME", 12 * 3600)
    # A session ends this long after login however busy it is (the one above is idle time).
    SESSION_ABSOLUTE_LIFETIME = _int("SESSION_ABSOLUTE_LIFETIME", 12 * 3600)
    # How many proxies in front of the app set X-Forwarded-For (0: trust no header, the
    # connecting address is the client). Behind one TLS proxy: 1.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    # Where request limits are counted; empty: the broker if it is Redis, else this process.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "")
    LOGIN_POSTS_PER_ADDRESS = _int("LOGIN_POSTS_PER_ADDRESS", 30)  # per 10 minutes
    # Numbers whose SMS come from a sender that takes no replies (Korean numbers go out from
    # the registered 발신번호): pages never ask these volunteers to text us.
    SMS_NO_REPLY_PREFIXES = tuple(
        p.strip() for p in (_env("SMS_NO_REPLY_PREFIXES") or "+82").split(",") if p.strip()
    )

    # Joining, consent, retention and readiness (issue 17; coordinator/domain/joining.py).
    PRIVACY_NOTICE_VERSION = _env("PRIVACY_NOTICE_VERSION", "2026-12-01")  # bump = ask again
    JOIN_CODE_MINUTES = _int("JOIN_CODE_MINUTES", 10)  # a one-time code stays valid
    JOIN_CODE_ATTEMPTS = _int("JOIN_CODE_ATTEMPTS", 5)  # wrong tries before a code is dead
    JOIN_SENDS_PER_PHONE_HOUR = _int("JOIN_SENDS_PER_PHONE_HOUR", 3)
    JOIN_SENDS_PER_ADDRESS_HOUR = _int("JOIN_SENDS_PER_ADDRESS_HOUR", 10)
    RETENTION_DAYS = _int("RETENTION_DAYS", 730)  # inactive this long (and consent as old): erased
    RETENTION_WARNING_DAYS = _int("RETENTION_WARNING_DAYS", 30)  # SMS warning before erasing
    # Warn this many days before a qualification or a waiver lapses.
    READINESS_WARNING_DAYS = _int("READINESS_WARNING_DAYS", 30)
    WAIVER_VALID_DAYS = _int("WAIVER_VALID_DAYS", 365)
    # Staff attendance marking (team leads): open this long before a shift starts, closed this
    # long after it ends; after that only a coordinator corrects the record (audited).
    ATTENDANCE_OPENS_MINUTES = _int("ATTENDANCE_OPENS_MINUTES", 12 * 60)
    ATTENDANCE_CLOSES_MINUTES = _int("ATTENDANCE_CLOSES_MINUTES", 12 * 60)

    # Development only: where the generated SECRET_KEY is kept when none is set (mode 0600).
    SECRET_KEY_FILE = _env("SECRET_KEY_FILE", str(INSTANCE_DIR / "secret_key"))
    # Bodies larger than this are refused (413) before they are read: no form or webhook
    # comes near 256 kB (Twilio's largest inbound request is a few kB).
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 256 * 1024)
    # The volunteer imports (CSV upload, API bulk import) take up to this much.
    IMPORT_MAX_CONTENT_LENGTH = _int("IMPORT_MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    # A previewed CSV import waits here until confirmed (shared by all web processes).
    PENDING_IMPORTS_DIR = _env("PENDING_IMPORTS_DIR", str(INSTANCE_DIR / "pending-imports"))

    # Routes by country and the Korean provider (Solapi), KakaoTalk Alimtalk, prices.
    SMS_ROUTES = _env("SMS_ROUTES", "")  # e.g. "+82=solapi"; other numbers use SMS_BACKEND
    SOLAPI_API_KEY = _env("SOLAPI_API_KEY")
    SOLAPI_API_SECRET = _env("SOLAPI_API_SECRET")
    SOLAPI_SENDER = _env("SOLAPI_SENDER")  # the registered Korean sender number (발신번호)
    SOLAPI_API_BASE_URL = _env("SOLAPI_API_BASE_URL")  # a proxy or a Solapi-compatible server
    SOLAPI_BATCH_SIZE = _int("SOLAPI_BATCH_SIZE", 500)  # messages per send request (<= 10,000)
    SOLAPI_STATUS_SECRET = _env("SOLAPI_STATUS_SECRET")  # path segment of /sms/solapi/status/…
    SOLAPI_OPT_OUT_SYNC_SECONDS = _int("SOLAPI_OPT_OUT_SYNC_SECONDS", 600)  # 080 list, by beat
    KAKAO_CHANNEL_ID = _env("KAKAO_CHANNEL_ID")  # Solapi's pfId of the KakaoTalk channel
    KAKAO_TEMPLATES = _env("KAKAO_TEMPLATES", "")  # JSON, see coordinator/sms/routing.py
    CURRENCY = _env("CURRENCY", "KRW")  # of every price below and every cost shown
    # Price of one message per route and type, in CURRENCY (KRW list prices); a route and type
    # not named here costs SMS_PRICE_PER_SEGMENT per segment (Twilio's way of billing).
    SMS_PRICES = _env("SMS_PRICES", "solapi.SMS=20,solapi.LMS=50,solapi.ALIMTALK=13")

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
        check_sms_settings(config)
        if not config.get("SECRET_KEY"):
            # Development only: every process (gunicorn workers, Celery worker and beat, CLI)
            # must sign with the same key, so it is generated once and kept in instance/.
            config["SECRET_KEY"] = development_secret(Path(config["SECRET_KEY_FILE"]))


def _providers_in_use(config: dict) -> set[str]:
    from coordinator.sms.routing import parse_routes

    return {
        str(config.get("SMS_BACKEND") or "console").lower(),
        *parse_routes(config.get("SMS_ROUTES")).values(),
    }


def check_sms_settings(config: dict) -> None:
    """Refuse SMS settings that cannot work, in every environment, naming the variable."""
    from coordinator.sms.pricing import PriceConfigError, parse_prices, segment_price
    from coordinator.sms.routing import RouteConfigError, parse_kakao_templates, parse_routes

    try:
        routes = parse_routes(config.get("SMS_ROUTES"))
        parse_kakao_templates(config.get("KAKAO_TEMPLATES"))
        parse_prices(config.get("SMS_PRICES"))
        segment_price(config)
    except (RouteConfigError, PriceConfigError) as exc:
        raise ConfigError(str(exc)) from None
    foreign = [f"+{code}" for code, name in routes.items() if name == "solapi" and code != "82"]
    if foreign:
        raise ConfigError(
            f"SMS_ROUTES: Solapi carries Korean numbers only, not {', '.join(foreign)}"
        )
    sender = config.get("SOLAPI_SENDER")
    if sender and not _is_korean_number(sender):
        raise ConfigError(
            f"SOLAPI_SENDER {sender!r} is not a valid Korean phone number: it must be the sender "
            "number registered with Solapi (발신번호), e.g. 02-1234-5678 or 010-1234-5678"
        )
    size = config.get("SOLAPI_BATCH_SIZE") or 0
    if not 1 <= int(size) <= 10_000:
        raise ConfigError(f"SOLAPI_BATCH_SIZE must be between 1 and 10000, got {size}")
    secret = config.get("SOLAPI_STATUS_SECRET")
    if secret and (len(secret) < 16 or not secret.replace("-", "").replace("_", "").isalnum()):
        raise ConfigError("SOLAPI_STATUS_SECRET must be at least 16 letters, digits, - or _")


def _is_korean_number(raw: str) -> bool:
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, "KR")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and number.country_code == 82


class ProductionConfig(Config):
    """Settings for a real deployment: no generated secrets, secure cookies."""

    ENV_NAME = "production"
    SIMULATOR_ENABLED = _env("SIMULATOR_ENABLED", "0") == "1"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    @classmethod
    def check(cls, config: dict) -> None:
        check_sms_settings(config)
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
        providers = _providers_in_use(config)
        if "twilio" in providers and not (
            config.get("TWILIO_ACCOUNT_SID")
            and config.get("TWILIO_AUTH_TOKEN")
            and (config.get("TWILIO_FROM_NUMBER") or config.get("TWILIO_MESSAGING_SERVICE_SID"))
        ):
            raise ConfigError(
                "the twilio route needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID)"
            )
        if "solapi" in providers:
            missing = [
                name
                for name in ("SOLAPI_API_KEY", "SOLAPI_API_SECRET", "SOLAPI_SENDER")
                if not config.get(name)
            ]
            if missing:
                raise ConfigError(f"the solapi route needs {', '.join(missing)}")
            if not config.get("SOLAPI_STATUS_SECRET"):
                raise ConfigError(
                    "the solapi route needs SOLAPI_STATUS_SECRET (at least 16 random characters): "
                    "Solapi posts delivery reports to /sms/solapi/status/<SOLAPI_STATUS_SECRET>"
                )


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
    RATELIMIT_STORAGE_URI = "memory://"  # a test asks for Redis explicitly
    # One folder per test process (tests run in parallel), never the checkout's instance/.
    PENDING_IMPORTS_DIR = str(Path(tempfile.gettempdir()) / f"rescue-tests-{os.getpid()}")
    # The secret path of Solapi's delivery reports, so hostile-input tests reach the view.
    SOLAPI_STATUS_SECRET = "test-solapi-status-secret-0123"


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

"""Time: stored in UTC, shown in the organisation's zone (Asia/Seoul by default)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def now_utc() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The organisation's time zone from config."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def as_utc(value: datetime) -> datetime:
    """A datetime in UTC; naive values (SQLite returns them) are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    """A stored UTC datetime in the organisation's zone."""
    return as_utc(value).astimezone(local_zone())


def local_to_utc(value: datetime) -> datetime:
    """A naive local wall-clock time (as typed in a form) converted to UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(UTC)


def parse_quiet_hours(spec: str) -> tuple[time, time]:
    """'22:00-07:00' as a pair of times; raises ValueError naming the spec if malformed."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    except ValueError:
        raise ValueError(f"quiet hours must look like 22:00-07:00, got {spec!r}") from None
    return start, end


def in_quiet_hours(moment: datetime, spec: str | None = None) -> bool:
    """True if `moment` falls in the organisation's quiet hours (default 22:00-07:00 local)."""
    start, end = parse_quiet_hours(spec or current_app.config["QUIET_HOURS"])
    local = to_local(moment).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def quiet_hours_end(moment: datetime, spec: str | None = None) -> datetime:
    """The first moment at or after `moment` outside quiet hours, in UTC."""
    if not in_quiet_hours(moment, spec):
        return as_utc(moment)
    _start, end = parse_quiet_hours(spec or current_app.config["QUIET_HOURS"])
    local = to_local(moment)
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)

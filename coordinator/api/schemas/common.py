"""Types every part of the API shares: ids, text, times, pages, errors."""

from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from coordinator.timeutil import local_to_utc, to_local

MAX_ID = 2**31 - 1
EARLIEST_YEAR, LATEST_YEAR = 2000, 2200
TIME_HELP = (
    "ISO 8601. With an offset (2030-06-01T07:00:00+09:00) it is taken as written; without "
    "one it is the organisation's local time (TIMEZONE, Asia/Seoul by default). Answers give "
    "local time with its offset."
)


def example(**fields: Any) -> ConfigDict:
    """A model's example in the OpenAPI description (schemathesis sends it too)."""
    return ConfigDict(json_schema_extra={"examples": [fields]})


class ApiModel(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    @classmethod
    def of(cls, row: object, **computed: object) -> Self:
        """The model read from an ORM row's attributes, plus values computed elsewhere."""
        return cls.model_validate(_RowWith(row, computed))


class _RowWith:
    def __init__(self, row: object, computed: dict) -> None:
        self._row, self._computed = row, computed

    def __getattr__(self, name: str) -> object:
        if name in self._computed:
            return self._computed[name]
        return getattr(self._row, name)


class QueryModel(BaseModel):
    """Query strings: unknown parameters are ignored, as browsers and proxies add some."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and SQLite cannot store lone surrogates: say so here
    # rather than fail in the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _in_range(value: datetime | date) -> datetime | date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"must fall between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


def _to_utc(value: datetime) -> datetime:
    _in_range(value)
    return local_to_utc(value)


def _local_iso(value: datetime) -> str:
    return to_local(value).isoformat()


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def text(max_length: int, min_length: int = 0) -> Any:
    """A string of at most `max_length` characters that the database can store."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_clean_text),
    ]


def count(upper: int) -> Any:
    """A whole number from 0 to `upper`."""
    return Annotated[int, Field(ge=0, le=upper)]


InputDateTime = Annotated[datetime, AfterValidator(_to_utc), Field(description=TIME_HELP)]
InputDate = Annotated[date, AfterValidator(_in_range)]
LocalDateTime = Annotated[
    datetime,
    PlainSerializer(_local_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class ErrorDetail(ApiModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(ApiModel):
    """Every error: a stable code, a sentence for people, and the field at fault if any."""

    error: ErrorDetail


class Me(ApiModel):
    id: int
    email: str
    name: str
    role: str


class PageQuery(QueryModel):
    page: int = Field(1, ge=1, le=100_000, description="1 for the first page")
    per_page: int = Field(50, ge=1, le=200)


class PageOut(ApiModel):
    """One page of a list; a page past the last gives the last page."""

    total: int
    page: int
    per_page: int
    pages: int

"""Errors the domain raises; every door (web, SMS, API, CLI) turns them into a clear answer."""


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed."""

    code = "refused"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Input is malformed; `field` names what was wrong."""

    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (a full position, an overlapping shift…)."""

    code = "conflict"

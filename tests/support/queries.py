"""Counting the SQL statements a request issues (for the no-N+1 tests)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from coordinator.extensions import db


@contextmanager
def counted() -> Iterator[list[str]]:
    """Collect every statement sent to the database inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

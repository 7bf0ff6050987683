"""Database connection settings that keep booking safe on SQLite as well as PostgreSQL."""

import re
from typing import Any, cast

from flask import Flask
from sqlalchemy import ColumnElement, Insert, TextClause, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine, Result

from coordinator.extensions import db

WRITE_STATEMENT = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.IGNORECASE
)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, and a write lock taken when the first write starts.

    With a plain deferred BEGIN, two requests can both read and then both try to write,
    and the second fails with 'database is locked' instead of waiting. So reads run
    outside a transaction, and a transaction begins with BEGIN IMMEDIATE right before
    the first write: writers queue (busy_timeout) and never hold a stale snapshot. Reads
    made before the first write are therefore not isolated; booking does not rely on
    them (its capacity check is a conditional UPDATE). PostgreSQL needs none of this.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # we decide when transactions begin
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_before_first_write(conn, cursor, statement, parameters, context, executemany):
        dbapi_connection = cursor.connection
        if not dbapi_connection.in_transaction and WRITE_STATEMENT.match(statement):
            dbapi_connection.execute("BEGIN IMMEDIATE")


def insert_unless_exists(
    model: type, *, conflict_on: list[str], where: ColumnElement[bool] | TextClause | None = None
) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike.

    Saves the savepoint a caught IntegrityError needs: on PostgreSQL a failed INSERT
    aborts the whole transaction, and each SAVEPOINT/RELEASE is a round trip. With
    RETURNING, no row back means the row already existed (or another transaction just
    committed it: the INSERT waits for that transaction first).
    """
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing(
        index_elements=conflict_on, index_where=where
    )


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (Session.execute is typed as returning a plain Result)."""
    return cast(CursorResult[Any], result).rowcount

"""Database engine and the one-transaction-per-unit-of-work boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

# Execution option marking a unit of work that will not write (see `_configure_sqlite`).
READ_ONLY = "directive_flow_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the connection settings the product relies on."""
    if not url.startswith("sqlite"):
        # A database server restarts or a network drops: test each pooled connection before use,
        # so that the first request after the database is back does not fail on a dead one.
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def connection_lost(exc: BaseException) -> bool:
    """Whether a database error is one of the database's state rather than of the statement sent.

    Drivers raise OperationalError (and InterfaceError) for what goes wrong outside the statement:
    a refused or dropped connection, a server shutting down or starting up, a locked SQLite file.
    Waiting is the cure for all of them; a wrong statement (ProgrammingError, IntegrityError) is not.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def error_reason(exc: BaseException) -> str:
    """The driver's first line about what went wrong, without SQLAlchemy's statement and links."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers go on while one writer commits; the busy timeout makes a second
        # writer wait instead of failing at once.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # Let SQLAlchemy, not pysqlite, decide where transactions begin, so that SAVEPOINTs
        # behave as documented.
        dbapi_connection.isolation_level = None

    # BEGIN IMMEDIATE takes the write lock up front: a transaction that reads and then writes
    # waits for another writer instead of failing half-way with "database is locked". Units of
    # work that only read (page views) ask for a deferred BEGIN so that they never queue.
    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit once if the block succeeds, roll back otherwise."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

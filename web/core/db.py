"""Database engine and the one-transaction-per-unit-of-work boundary."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session, sessionmaker

# Execution option marking a unit of work that will not write (see `_configure_sqlite`).
READ_ONLY = "directive_flow_read_only"
#: A pooled connection idle longer than this is tested before use (see `_ping_when_idle`).
IDLE_PING_SECONDS: Final = 5.0


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the connection settings the product relies on."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use when it has lain idle, so that the first request after
    the database server restarted (or a network dropped) does not fail on a dead connection.

    SQLAlchemy's own pre-ping tests every checkout: one more round trip for every unit of work, a
    sixth of a simple command's. A connection handed back a moment ago was alive a moment ago; one
    that lay idle is tested, and a dead one is replaced (the pool retries the checkout on
    DisconnectionError).
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection was lost while idle: {exc}") from exc


def connection_lost(exc: BaseException) -> bool:
    """Whether a database error is one of the database's state rather than of the statement sent.

    Drivers raise OperationalError (and InterfaceError) for what goes wrong outside the statement:
    a refused or dropped connection, a server shutting down or starting up, a locked SQLite file.
    Waiting is the cure for all of them; a wrong statement (ProgrammingError, IntegrityError) is not.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    # A transaction whose connection was lost by an earlier statement, the failure caught on the way,
    # is refused at its next use, commit included, with this code (and only then).
    if isinstance(exc, PendingRollbackError) and exc.code == _CONNECTION_INVALIDATED:
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


# SQLAlchemy's code for "Can't reconnect until invalid transaction is rolled back".
_CONNECTION_INVALIDATED = "8s2b"


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

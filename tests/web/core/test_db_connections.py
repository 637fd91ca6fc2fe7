"""Pooled PostgreSQL connections: one the server dropped while it lay idle is replaced before use, so the
next unit of work succeeds (the server restarting overnight must not cost the first user of the morning
an error page); one in steady use is not tested before each unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy.exc
from sqlalchemy import Engine, create_engine, text

from tests.databases import postgresql_url
from web.core import db as db_module
from web.core.db import make_engine, make_session_factory, unit_of_work


@pytest.fixture
def pooled() -> Iterator[Engine]:
    """The product's engine on PostgreSQL, with a pool of one connection, so every unit of work reuses it."""
    engine = make_engine(postgresql_url(), pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with unit_of_work(make_session_factory(engine)) as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")))


def _drop_connection(pid: int) -> None:
    """What a server restart does to a pooled connection: the server ends it."""
    admin = create_engine(postgresql_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(
    pooled: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(pooled)
    _drop_connection(first)
    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)  # it has lain idle long enough to be tested
    second = _backend_pid(pooled)
    assert second != first


def test_a_connection_in_steady_use_is_not_pinged(pooled: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[object] = []
    ping = pooled.dialect.do_ping

    def counted_ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(pooled.dialect, "do_ping", counted_ping)
    for _ in range(3):
        _backend_pid(pooled)
    assert pings == []
    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)
    _backend_pid(pooled)
    assert len(pings) == 1


def test_a_transaction_whose_connection_was_lost_is_told_as_a_lost_connection_at_commit(pooled: Engine) -> None:
    """A statement met the server gone and its failure was caught on the way: committing the request's
    transaction is then refused, and that refusal counts as the database's state (a 503 page), not a bug."""
    session = make_session_factory(pooled)()
    pid = int(session.scalar(text("SELECT pg_backend_pid()")))
    _drop_connection(pid)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        session.execute(text("SELECT 1"))
    with pytest.raises(sqlalchemy.exc.PendingRollbackError) as refused:
        session.connection().commit()
    assert db_module.connection_lost(refused.value)
    session.close()
    assert not db_module.connection_lost(sqlalchemy.exc.PendingRollbackError("a flush failed", code="7s2a"))

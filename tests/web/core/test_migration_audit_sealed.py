"""Revision 0020: per-case SHA-256 chains are verified, sealed under the audit key, and go back unchanged."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from engine.audit_keys import SESSION_KEYS, AuditKeys
from engine.audit_verify import verify_trail
from tests.databases import postgresql_schema, postgresql_url
from tests.web.core.test_migration_audit_chains import _events, _global_chain, _stored
from web.core import migrate
from web.core.db import make_engine

KEYS = AuditKeys({"k1": secrets.token_bytes(32)}, "k1")


def _per_case_chains(engine: Engine) -> list[tuple[int, int, str, str]]:
    """A trail as revision 0019 holds it: written as one chain, re-chained per case by 0017."""
    migrate.upgrade(engine, "0016")
    with engine.begin() as connection:
        connection.execute(_events.insert(), _global_chain())
    migrate.upgrade(engine, "0019")
    return _stored(engine)


def _sealed(engine: Engine) -> None:
    before = _per_case_chains(engine)
    migrate.upgrade(engine, audit_keys=KEYS)
    with Session(engine, info={SESSION_KEYS: KEYS}) as session:
        result = verify_trail(session)
        assert (result.intact, result.events, result.chains) == (True, 7, 3)
        assert set(session.scalars(sa.text("SELECT key_id FROM audit_event"))) == {"k1"}
        with pytest.raises(DBAPIError, match="audit events are append-only"):
            session.execute(sa.text("UPDATE audit_event SET actor = 'chi' WHERE id = 4"))
    after = _stored(engine)
    assert [row[:2] for row in after] == [row[:2] for row in before]  # same events, same places
    assert all(new[3] != old[3] for new, old in zip(after, before, strict=True))  # every hash now a seal
    # Down again: the triggers go, the SHA-256 chains come back exactly.
    migrate.downgrade(engine, "0019", KEYS)
    assert _stored(engine) == before


def _refused_when_broken(engine: Engine) -> None:
    _per_case_chains(engine)
    with engine.begin() as connection:  # someone rewrote who claimed case 1's draft, before the upgrade
        connection.execute(sa.text("UPDATE audit_event SET actor = 'chi' WHERE id = 4"))
    with pytest.raises(RuntimeError, match=r"audit trail is broken at event 4 \(case:1 #2\)"):
        migrate.upgrade(engine, audit_keys=KEYS)
    assert migrate.current(engine) == "0019"


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    yield engine
    engine.dispose()


def test_chains_are_sealed_and_unsealed_on_sqlite(sqlite_file: Engine) -> None:
    """Sealed under the key given to the upgrade, verified, updates refused; downgrading restores the SHA-256 chains."""
    _sealed(sqlite_file)


def test_a_broken_chain_is_not_sealed_on_sqlite(sqlite_file: Engine) -> None:
    """An event edited before the upgrade stops it: sealing would have blessed the edit."""
    _refused_when_broken(sqlite_file)


@pytest.mark.postgresql
def test_chains_are_sealed_and_unsealed_on_postgresql() -> None:
    """The same on PostgreSQL."""
    with postgresql_schema(postgresql_url()) as engine:
        _sealed(engine)


@pytest.mark.postgresql
def test_a_broken_chain_is_not_sealed_on_postgresql() -> None:
    """The same on PostgreSQL."""
    with postgresql_schema(postgresql_url()) as engine:
        _refused_when_broken(engine)

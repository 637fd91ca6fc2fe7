"""Revision 0017: a trail written as one global chain is re-chained per case, verifies, and goes back unchanged."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engine import audit
from engine.types import UtcDateTime
from tests.databases import postgresql_schema, postgresql_url
from web.core import migrate
from web.core.db import make_engine

AT = datetime(2023, 3, 6, 1, 0, tzinfo=UTC)
# (tag, actor, case_id, after) in the order they happened: two cases and the agency, interleaved.
HAPPENED = [
    ("engine:definition:deployed", "quantri", None, {"key": "approval", "version": 1}),
    ("engine:instance:started", "an", 1, {"process": "approval"}),
    ("engine:instance:started", "binh", 2, {"process": "approval"}),
    ("engine:task:claimed", "an", 1, {"task": "write", "title": "Dự thảo"}),
    ("workflows:substitution:named", "chi", None, None),
    ("engine:task:claimed", "binh", 2, {"task": "write", "title": "Dự thảo"}),
    ("engine:task:completed", "an", 1, {"task": "write", "text": "Kế hoạch"}),
]

_events = sa.table(
    "audit_event",
    sa.column("id", sa.Integer()),
    sa.column("seq", sa.BigInteger()),
    sa.column("tag", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("at", UtcDateTime()),
    sa.column("case_id", sa.Integer()),
    sa.column("instance_id", sa.Integer()),
    sa.column("task_id", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("comment", sa.Text()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def _global_chain() -> list[dict[str, Any]]:
    """The rows as revision 0016's engine wrote them: one chain, hashed without a chain name."""
    rows, prev = [], audit.GENESIS
    for seq, (tag, actor, case_id, after) in enumerate(HAPPENED, start=1):
        at = AT + timedelta(minutes=seq)
        body = {
            "seq": seq,
            "tag": tag,
            "actor": actor,
            "at": at.isoformat(),
            "case_id": case_id,
            "instance_id": case_id,
            "task_id": None,
            "before": None,
            "after": after,
            "comment": None,
            "prev_hash": prev,
        }
        digest = hashlib.sha256(
            json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        ).hexdigest()
        rows.append({**body, "id": seq, "at": at, "hash": digest})
        prev = digest
    return rows


def _stored(engine: Engine) -> list[tuple[int, int, str, str]]:
    with engine.connect() as connection:
        query = sa.select(_events.c.id, _events.c.seq, _events.c.prev_hash, _events.c.hash).order_by(_events.c.id)
        return [tuple(row) for row in connection.execute(query)]


def _rechained(engine: Engine) -> None:
    migrate.upgrade(engine, "0016")
    written = _global_chain()
    with engine.begin() as connection:
        connection.execute(_events.insert(), written)
    migrate.upgrade(engine)
    with Session(engine) as session:
        assert audit.verify(session) == []
        chains = session.execute(sa.text("SELECT chain, seq, tag FROM audit_event ORDER BY id")).all()
        assert [tuple(row) for row in chains] == [
            ("agency", 1, "engine:definition:deployed"),
            ("case:1", 1, "engine:instance:started"),
            ("case:2", 1, "engine:instance:started"),
            ("case:1", 2, "engine:task:claimed"),
            ("agency", 2, "workflows:substitution:named"),
            ("case:2", 2, "engine:task:claimed"),
            ("case:1", 3, "engine:task:completed"),
        ]
        assert [e.tag for e in audit.trail(session, 1)] == [
            "engine:instance:started",
            "engine:task:claimed",
            "engine:task:completed",
        ]
    # Down again: the one global chain exactly as it was written.
    migrate.downgrade(engine, "0016")
    assert _stored(engine) == [(r["id"], r["seq"], r["prev_hash"], r["hash"]) for r in written]


def _refused_when_broken(engine: Engine) -> None:
    migrate.upgrade(engine, "0016")
    written = _global_chain()
    written[3]["actor"] = "chi"  # someone rewrote who claimed case 1's draft, before the upgrade
    with engine.begin() as connection:
        connection.execute(_events.insert(), written)
    with pytest.raises(RuntimeError, match="audit trail is broken at event 4"):
        migrate.upgrade(engine)
    assert migrate.current(engine) == "0016"
    assert _stored(engine) == [(r["id"], r["seq"], r["prev_hash"], r["hash"]) for r in written]


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    yield engine
    engine.dispose()


def test_global_chain_is_rechained_per_case_on_sqlite(sqlite_file: Engine) -> None:
    """Each case's events and the agency's are numbered and hashed in their own chain; downgrading restores the old."""
    _rechained(sqlite_file)


def test_broken_global_chain_is_not_rechained_on_sqlite(sqlite_file: Engine) -> None:
    """An event edited before the upgrade stops it: re-hashing would have hidden the edit."""
    _refused_when_broken(sqlite_file)


@pytest.mark.postgresql
def test_global_chain_is_rechained_per_case_on_postgresql() -> None:
    """The same on PostgreSQL."""
    with postgresql_schema(postgresql_url()) as engine:
        _rechained(engine)


@pytest.mark.postgresql
def test_broken_global_chain_is_not_rechained_on_postgresql() -> None:
    """The same on PostgreSQL."""
    with postgresql_schema(postgresql_url()) as engine:
        _refused_when_broken(engine)

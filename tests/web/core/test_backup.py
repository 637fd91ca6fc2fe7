"""`directive-flow backup` and `restore`: a database with sample cases copied into an empty one, nothing lost.

On PostgreSQL `pg_dump` copies a whole database, so these tests make databases of their own
(not schemas of the shared test database) and drop them after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from engine.db import Base
from tests.databases import postgresql_url
from tests.web.core.test_cli import Cli
from web.core.db import make_engine


def _load_all_models() -> None:
    import engine.models  # noqa: F401
    import web.core.models  # noqa: F401
    import workflows.models  # noqa: F401


@pytest.fixture
def database_urls(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two fresh databases, the one backed up and the empty one restored into."""
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'source.sqlite'}", f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    base = postgresql_url()
    names = [f"t_backup_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        prefix = base.rsplit("/", 1)[0]
        yield f"{prefix}/{names[0]}", f"{prefix}/{names[1]}"
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _everything(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the product (and the schema revision), in primary-key order."""
    _load_all_models()
    db = make_engine(url)
    try:
        with db.connect() as connection:
            rows = {
                table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
                for table in Base.metadata.sorted_tables
            }
            rows["alembic_version"] = [tuple(r) for r in connection.execute(text("SELECT * FROM alembic_version"))]
            return rows
    finally:
        db.dispose()


def _ok(result: Any) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return str(result.output)


def test_a_backup_restored_into_an_empty_database_holds_everything_and_verifies(
    tmp_path: Path, database_urls: tuple[str, str]
) -> None:
    """Samples at every stage, a checkpoint, a backup; restored elsewhere: the same rows, the trail intact."""
    source_url, restored_url = database_urls
    instance = str(tmp_path / "instance")
    source, restored = (
        Cli({"INSTANCE_PATH": instance, "DATABASE_URL": source_url}),
        Cli({"INSTANCE_PATH": instance, "DATABASE_URL": restored_url}),
    )
    _ok(source("setup"))
    assert "sample cases created" in _ok(source("samples"))
    _ok(source("audit", "checkpoint"))
    backup = tmp_path / "directive-flow.backup"
    assert f"database copied to {backup}" in _ok(source("backup", str(backup)))

    assert f"database restored from {backup}" in _ok(restored("restore", str(backup)))
    copied = _everything(restored_url)
    assert copied == _everything(source_url)
    assert len(copied["audit_event"]) > 100 and len(copied["process_instance"]) > 10
    assert "audit trail intact" in _ok(restored("audit", "verify"))
    # The restored database goes on: the application writes to it, and the trail still verifies.
    _ok(restored("setup"))
    assert "audit trail intact" in _ok(restored("audit", "verify"))


def test_restore_refuses_a_database_that_is_not_empty(tmp_path: Path, database_urls: tuple[str, str]) -> None:
    """Restoring over a database in use would mix two histories: refused; nor is a backup file overwritten."""
    source_url, _ = database_urls
    cli = Cli({"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": source_url})
    _ok(cli("setup"))
    backup = tmp_path / "directive-flow.backup"
    _ok(cli("backup", str(backup)))
    again = cli("backup", str(backup))
    assert again.exit_code == 1 and "exists already" in again.output
    before = _everything(source_url)
    refused = cli("restore", str(backup))
    assert refused.exit_code == 1 and "restore only into an empty database" in refused.output
    assert _everything(source_url) == before

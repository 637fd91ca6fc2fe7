"""Backing the database up to one file and restoring it into an empty database, with each database's own tool.

SQLite: the online backup API copies the database, consistent while the application runs, into a
SQLite file. PostgreSQL: `pg_dump --format=custom` of the whole database, restored by `pg_restore`
in one transaction; both must be installed (the PostgreSQL client tools of the server's version).
A restore refuses a database that already holds tables, so it never mixes two histories. The
copy is exact (the audit trail's seals, its triggers and the schema revision included); what it
does not hold is kept outside the database: the audit keys and checkpoints (see README).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that could not be done, with the reason for the operator."""


def backup(db: Engine, target: Path) -> None:
    """Copy the whole database into `target` (a new file)."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file")
    if db.dialect.name == "sqlite":
        with db.connect() as connection, sqlite3.connect(target) as copy:
            connection.connection.driver_connection.backup(copy)  # type: ignore[union-attr]
        return
    if db.dialect.name == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], db)
        return
    raise BackupError(f"no backup for {db.dialect.name} databases")


def restore(db: Engine, source: Path) -> None:
    """Load a backup made by `backup` into the configured database, which must hold no table yet."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    tables = inspect(db).get_table_names()
    if tables:
        raise BackupError(f"the database is not empty ({len(tables)} tables): restore only into an empty database")
    if db.dialect.name == "sqlite":
        with sqlite3.connect(source) as copy, db.connect() as connection:
            copy.backup(connection.connection.driver_connection)  # type: ignore[arg-type]
        return
    if db.dialect.name == "postgresql":
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(source)], db
        )
        return
    raise BackupError(f"no restore for {db.dialect.name} databases")


def _run(command: list[str], db: Engine) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)")
    url = make_url(db.url).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # never on the command line, where others could read it
    address = url.set(password=None).render_as_string(hide_password=False)
    done = subprocess.run([*command, f"--dbname={address}"], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.returncode}")

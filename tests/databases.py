"""Isolated real databases for tests that commit: a fresh SQLite file, or a fresh PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from web.core.db import make_engine

LOCAL_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgresql_url() -> str:
    """The PostgreSQL server to use, or a skip (a failure under CI=true) when none answers."""
    configured = os.environ.get("TEST_DATABASE_URL", "")
    url = configured if configured.startswith("postgresql") else LOCAL_POSTGRESQL
    try:
        probe = create_engine(url)
        with probe.connect() as connection:
            connection.execute(text("SELECT 1"))
        probe.dispose()
    except OperationalError as exc:
        message = f"PostgreSQL is not reachable at {url}: {exc.orig}"
        if os.environ.get("CI") == "true" or configured.startswith("postgresql"):
            pytest.fail(message)
        pytest.skip(message + " (start PostgreSQL or set TEST_DATABASE_URL)")
    return url


@contextmanager
def postgresql_schema(url: str, **engine_options: Any) -> Iterator[Engine]:
    """An engine whose connections live in a new, empty schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"}, **engine_options)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def isolated_engine(tmp_path: Path) -> Iterator[Engine]:
    """PostgreSQL (fresh schema) when TEST_DATABASE_URL names it, otherwise a fresh SQLite file."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        with postgresql_schema(postgresql_url()) as engine:
            yield engine
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'case.sqlite'}")
    try:
        yield engine
    finally:
        engine.dispose()

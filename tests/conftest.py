"""Shared fixtures: a real database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engine.clock import ManualClock
from engine.db import Base
from engine.runtime import Engine as WorkflowEngine
from tests.databases import isolated_engine
from web.composition import Runtime, build_services, engine_transactions
from web.db import make_engine, make_session_factory, unit_of_work
from web.settings import Settings


def _load_all_models() -> None:
    """Import every module that declares tables, so that metadata knows them all."""
    import engine.models  # noqa: F401
    import web.models  # noqa: F401
    import workflows.models  # noqa: F401


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    path: Path = tmp_path_factory.mktemp("db") / "test.sqlite"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    _load_all_models()
    engine = make_engine(database_url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test."""
    connection = db_engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


# -- committed units of work: the product's own runtime on an isolated database -----------------

MARCH_6_2023 = datetime(2023, 3, 6, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    """The clock of the reference case: Monday 6 March 2023, 08:00 in Lạng Sơn."""
    return ManualClock(MARCH_6_2023)


@pytest.fixture
def runtime(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    """The product's runtime on a fresh database with the org chart and the processes deployed."""
    from workflows.orgchart.loader import load_org_chart

    _load_all_models()
    settings = Settings.from_env({}, instance_path=tmp_path)
    with isolated_engine(tmp_path) as engine:
        Base.metadata.create_all(engine)
        services = build_services(settings, clock)
        rt = Runtime(settings, engine, make_session_factory(engine), services)
        with unit_of_work(rt.sessions) as session:
            load_org_chart(session, settings.org_chart_file)
            workflow_engine = WorkflowEngine(session, services)
            for path in sorted(settings.bpmn_dir.glob("*.bpmn")):
                workflow_engine.deploy(path.read_bytes(), path.name, "quantri")
        yield rt


@pytest.fixture
def transaction(runtime: Runtime) -> Callable[[], AbstractContextManager[WorkflowEngine]]:
    """Run a block as one committed unit of work, with the engine bound to it."""
    return engine_transactions(runtime)

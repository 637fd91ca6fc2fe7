"""Shared fixtures: a real database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engine.clock import ManualClock
from engine.db import Base
from engine.definitions import call_order
from engine.runtime import Engine as WorkflowEngine
from tests.databases import isolated_engine
from web.core.composition import Runtime, build_services, engine_transactions
from web.core.db import make_engine, make_session_factory, unit_of_work
from web.core.settings import Settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the tests marked `slow` on a developer's machine; CI (CI=true) runs every test.

    They are deselected, not skipped: the summary counts them apart, and `-m slow` (or any -m)
    runs them here too.
    """
    if os.environ.get("CI") == "true" or config.getoption("markexpr"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def _load_all_models() -> None:
    """Import every module that declares tables, so that metadata knows them all."""
    import engine.models  # noqa: F401
    import web.core.models  # noqa: F401
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


def _prepare(engine: Engine, settings: Settings, clock: ManualClock) -> None:
    """Schema, org chart and processes: what every committed-unit-of-work test starts from."""
    from workflows.orgchart.loader import load_org_chart

    _load_all_models()
    Base.metadata.create_all(engine)
    services = build_services(settings, clock)
    with unit_of_work(make_session_factory(engine)) as session:
        load_org_chart(session, settings.org_chart_file)
        workflow_engine = WorkflowEngine(session, services)
        for path in call_order(settings.bpmn_dir.glob("*.bpmn")):
            workflow_engine.deploy(path.read_bytes(), path.name, "quantri")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A prepared SQLite database, copied for each test (PostgreSQL runs prepare a schema each)."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return None
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    _prepare(engine, Settings.from_env({}, instance_path=folder), ManualClock(MARCH_6_2023))
    engine.dispose()
    return path


@pytest.fixture
def runtime(tmp_path: Path, clock: ManualClock, sqlite_template: Path | None) -> Iterator[Runtime]:
    """The product's runtime on a fresh database with the org chart and the processes deployed."""
    settings = Settings.from_env({}, instance_path=tmp_path)
    if sqlite_template is not None:
        copy = tmp_path / "case.sqlite"
        shutil.copyfile(sqlite_template, copy)
        engine = make_engine(f"sqlite:///{copy}")
        try:
            yield Runtime(settings, engine, make_session_factory(engine), build_services(settings, clock))
        finally:
            engine.dispose()
        return
    with isolated_engine(tmp_path) as engine:
        _prepare(engine, settings, clock)
        yield Runtime(settings, engine, make_session_factory(engine), build_services(settings, clock))


@pytest.fixture
def transaction(runtime: Runtime) -> Callable[[], AbstractContextManager[WorkflowEngine]]:
    """Run a block as one committed unit of work, with the engine bound to it."""
    return engine_transactions(runtime)

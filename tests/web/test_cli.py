"""`directive-flow` on the command line: schema, setup, demo, worker and audit verification."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import func, inspect, select, text

from engine.clock import ManualClock
from engine.models import Job, ProcessDefinition, ProcessInstance, TaskRow
from engine.runtime import Engine
from tests.databases import postgresql_schema, postgresql_url
from tests.workflows.lifecycle_helpers import (
    assert_roundtrip,
    notifications,
    officer_of,
    rehearsal,
    run_to_issue,
    session_of,
)
from web import create_app, migrate, runtime_of
from web.cli import main
from web.composition import build_runtime
from web.settings import Settings


@dataclass
class Cli:
    """Runs `directive-flow` with the environment an administrator would set."""

    env: dict[str, str]

    def __call__(self, *args: str) -> Result:
        apps: list[Flask] = []

        def factory() -> Flask:
            apps.append(create_app())
            return apps[-1]

        try:
            return CliRunner().invoke(main, list(args), env=self.env, obj=ScriptInfo(create_app=factory))
        finally:
            for app in apps:
                runtime_of(app).db.dispose()


@pytest.fixture
def cli_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL schema when TEST_DATABASE_URL names PostgreSQL."""
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'cli.sqlite'}"
        return
    base = postgresql_url()
    with postgresql_schema(base) as engine:
        with engine.connect() as connection:
            schema = str(connection.scalar(text("SELECT current_schema()")))
        # libpq reads PGOPTIONS: every connection of the commands works in the fresh schema, while
        # DATABASE_URL stays what an administrator would write.
        monkeypatch.setenv("PGOPTIONS", f"-csearch_path={schema}")
        yield base
        monkeypatch.delenv("PGOPTIONS")


@pytest.fixture
def cli(tmp_path: Path, cli_database_url: str) -> Cli:
    """The command line on an empty database, with its instance folder in tmp_path."""
    return Cli({"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": cli_database_url})


def _ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_db_upgrade_creates_the_schema(cli: Cli) -> None:
    """`db upgrade` on an empty database creates every table and says which revision it is at."""
    newest = migrate.head()
    assert f"schema at {newest}" in _ok(cli("db", "upgrade"))
    assert _ok(cli("db", "current")).strip() == newest
    settings = Settings.from_env(cli.env)
    runtime = build_runtime(settings)
    try:
        tables = set(inspect(runtime.db).get_table_names())
    finally:
        runtime.db.dispose()
    assert {"process_instance", "task", "job", "audit_event", "incoming_document", "notification"} <= tables


def test_setup_twice_changes_nothing_the_second_time(cli: Cli) -> None:
    """`setup` can be run again safely: no new process version, nothing created in the org chart."""
    first = _ok(cli("setup"))
    assert "org chart loaded: created {" in first
    assert "directive_lifecycle version 1" in first and "unit_execution version 1" in first
    second = _ok(cli("setup"))
    assert "org chart loaded: created nothing, updated nothing, removed nothing" in second
    assert "version 2" not in second
    runtime = build_runtime(Settings.from_env(cli.env))
    try:
        with session_of(runtime) as session:
            versions = session.scalar(select(func.count()).select_from(ProcessDefinition))
    finally:
        runtime.db.dispose()
    assert versions == 2


def test_demo_runs_the_reference_case_and_prints_its_trail(cli: Cli) -> None:
    """`demo` on an empty database sets it up, walks the reference case to the end and prints its trail."""
    output = _ok(cli("demo"))
    for expected in (
        "Tiếp nhận văn bản đến",
        "vanthu",
        "giamdoc",
        "pgd.hoa",
        "01/SVHTTDL-QLVHGĐ",
        "02/BC-SVHTTDL",
        "Hoàn thành hồ sơ",
        "completed",
    ):
        assert expected in output
    assert "Số đến: 1 ngày 06/03/2023 (2104-CV/BTGTU); trả lời: 02/BC-SVHTTDL" in output
    assert "29 đơn vị nhận" in output


def test_commands_refuse_a_database_without_the_schema(cli: Cli) -> None:
    """Before `setup`, `audit verify` and `worker` stop with a message telling what to run."""
    for command in (("audit", "verify"), ("worker", "--once")):
        result = cli(*command)
        assert result.exit_code == 1
        assert "directive-flow setup" in result.output


def test_worker_once_fires_the_timers_due_at_the_given_time(cli: Cli) -> None:
    """`worker --once --now` runs what is due then: each waiting unit is reminded and escalated once."""
    _ok(cli("setup"))
    clock = ManualClock(datetime(2023, 3, 6, 1, 0, tzinfo=UTC))
    runtime = build_runtime(Settings.from_env(cli.env), clock)
    try:
        r = rehearsal(runtime, clock)
        units = run_to_issue(r)
        officer: Callable[[str], str] = officer_of(runtime)
        r.at("2023-03-09 15:00")
        for unit in units:
            r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
        case_id = r.case_id or 0
        assert notifications(runtime, case_id)[-1].kind == "report_up"
        assert "jobs done" not in _ok(cli("worker", "--once", "--now", "2023-03-21T08:00+07:00"))
        output = _ok(cli("worker", "--once", "--now", "2023-03-25T08:00+07:00"))
        # One job per child may fire both its timers (both are due by then): count what was sent, not jobs.
        assert "jobs done: " in output and ", failed: 0" in output
        sent = notifications(runtime, case_id)
        assert sorted(n.recipient for n in sent if n.kind == "reminder") == sorted(units)
        assert len([n for n in sent if n.kind == "escalation"]) == len(units)
        assert _ok(cli("worker", "--once", "--now", "2023-03-25T09:00+07:00")) == ""
        with session_of(runtime) as session:
            pending = session.scalar(select(func.count()).select_from(Job).where(Job.status == "pending"))
        assert pending == 0
        assert [t.spec_name for t in r.pending()] == ["report"] * len(units)
        assert_roundtrip(runtime, case_id)
    finally:
        runtime.db.dispose()


def test_audit_verify_finds_a_tampered_event(cli: Cli) -> None:
    """`audit verify` says the trail is intact, and exits 1 naming the event after someone edits it."""
    _ok(cli("setup"))
    assert "audit trail intact" in _ok(cli("audit", "verify"))
    runtime = build_runtime(Settings.from_env(cli.env))
    try:
        with runtime.db.begin() as connection:
            connection.execute(text("UPDATE audit_event SET actor = 'ai_do' WHERE seq = 1"))
    finally:
        runtime.db.dispose()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "event 1: content differs from its hash" in result.stderr
    assert "audit trail intact" not in result.output


def test_samples_put_one_case_at_each_stage_an_officer_meets(cli: Cli) -> None:
    """On a fresh database: five cases, waiting for the director, the specialist, the signer, the units
    and the specialist's consolidation, whose report upward is already drafted from the units' reports."""
    _ok(cli("setup", "--demo-passwords"))

    assert "sample cases created: 5" in _ok(cli("samples", "--if-empty"))
    assert "no samples added" in _ok(cli("samples", "--if-empty"))

    runtime = build_runtime(Settings.from_env(cli.env))
    try:
        with session_of(runtime) as session:
            ready = session.execute(
                select(TaskRow.case_id, TaskRow.spec_name).where(TaskRow.state == "ready").distinct()
            ).all()
            steps = {spec for _case, spec in ready}
            consolidating = next(case_id for case_id, spec in ready if spec == "consolidate")
            cases = session.scalar(
                select(func.count()).select_from(ProcessInstance).where(ProcessInstance.parent_id.is_(None))
            )
        assert cases == 5
        assert {"instruct", "draft", "sign", "report", "consolidate"} <= steps
        with session_of(runtime) as session:
            data = Engine(session, runtime.services).data(consolidating)
        assert data["report_subject"].startswith("Kết quả thực hiện Công văn số 2198-CV/BTGTU")
        assert "Số liệu tổng hợp:" in data["report_body"]
    finally:
        runtime.db.dispose()

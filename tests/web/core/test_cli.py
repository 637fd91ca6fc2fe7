"""`directive-flow` on the command line: schema, setup, demo, worker and audit verification."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import func, inspect, or_, select, text, tuple_

from engine import audit_guard
from engine.clock import ManualClock
from engine.models import Job, ProcessDefinition, ProcessInstance, TaskRow
from engine.runtime import Engine
from tests.databases import postgresql_schema, postgresql_url
from tests.workflows import invented_org as invented
from tests.workflows.lifecycle_helpers import (
    assert_roundtrip,
    notifications,
    officer_of,
    rehearsal,
    run_to_issue,
    session_of,
)
from web import create_app, runtime_of
from web.core import migrate
from web.core.cli import main
from web.core.composition import Runtime, build_runtime
from web.core.settings import Settings
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import RoleAssignment


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
    assert "reminder_round version 1" in first
    second = _ok(cli("setup"))
    assert "org chart loaded: created nothing, updated nothing, removed nothing" in second
    assert "version 2" not in second
    runtime = build_runtime(Settings.from_env(cli.env))
    try:
        with session_of(runtime) as session:
            versions = session.scalar(select(func.count()).select_from(ProcessDefinition))
    finally:
        runtime.db.dispose()
    assert versions == 3


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
    # It played in a database of its own: the configured one holds nothing, before or after setup.
    runtime = build_runtime(Settings.from_env(cli.env))
    try:
        assert migrate.current(runtime.db) is None
    finally:
        runtime.db.dispose()
    _ok(cli("setup"))
    _ok(cli("demo"))
    runtime = build_runtime(Settings.from_env(cli.env))
    try:
        with session_of(runtime) as session:
            assert session.scalar(select(func.count()).select_from(ProcessInstance)) == 0
    finally:
        runtime.db.dispose()


def test_demo_plays_in_a_database_it_is_given(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo-kept.sqlite'}"

    assert "completed" in _ok(cli("demo", "--database", url))

    runtime = build_runtime(Settings.from_env({**cli.env, "DATABASE_URL": url}))
    try:
        with session_of(runtime) as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(ProcessInstance).where(ProcessInstance.parent_id.is_(None))
                )
                == 1
            )
    finally:
        runtime.db.dispose()


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
            # As the database's owner could: lift the table's refusal of updates first.
            for statement in audit_guard.statements(runtime.db.dialect.name, create=False):
                connection.execute(text(statement))
            connection.execute(text("UPDATE audit_event SET actor = 'ai_do' WHERE id = 1"))
    finally:
        runtime.db.dispose()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "event 1 (agency #1): content differs from its hash" in result.stderr
    assert "audit trail intact" not in result.output


#: The roles of the processes' lanes that always have a step in the samples.
WORKING_ROLES = ("clerk", "director", "leader", "division_head", "specialist", "unit_officer")


def _waiting(runtime: Runtime) -> dict[str, int]:
    """For each user holding a working role: how many ready tasks they may do (their group's or theirs)."""
    with session_of(runtime) as session:
        directory = OrgDirectory(session)
        users = session.scalars(
            select(RoleAssignment.username).where(RoleAssignment.role.in_(WORKING_ROLES)).distinct()
        ).all()
        counts = {}
        for username in users:
            pairs = sorted(directory.roles_of(username))
            counts[username] = (
                session.scalar(
                    select(func.count())
                    .select_from(TaskRow)
                    .where(
                        TaskRow.state == "ready",
                        tuple_(TaskRow.role, TaskRow.candidate_unit).in_(pairs),
                        or_(TaskRow.assignee.is_(None), TaskRow.assignee == username),
                    )
                )
                or 0
            )
    return counts


def _top_level_cases(runtime: Runtime) -> list[dict[str, Any]]:
    with session_of(runtime) as session:
        ids = session.scalars(select(ProcessInstance.id).where(ProcessInstance.parent_id.is_(None))).all()
        engine = Engine(session, runtime.services)
        return [engine.data(case_id) for case_id in ids]


def test_samples_put_one_case_at_each_stage_an_officer_meets(cli: Cli) -> None:
    """On the reference chart: a case at every stage, each with its own letter and text, and work
    waiting for every user of a working role (clerk, director, signers, head, specialists, units)."""
    _ok(cli("setup", "--demo-passwords"))

    assert "sample cases created: 9" in _ok(cli("samples", "--if-empty"))
    assert "no samples added" in _ok(cli("samples", "--if-empty"))

    runtime = build_runtime(Settings.from_env(cli.env))
    try:
        with session_of(runtime) as session:
            ready = session.execute(
                select(TaskRow.case_id, TaskRow.spec_name).where(TaskRow.state == "ready").distinct()
            ).all()
            steps = {spec for _case, spec in ready}
            consolidating = next(case_id for case_id, spec in ready if spec == "consolidate")
        expected = {"instruct", "draft", "review_content", "sign", "issue", "acknowledge", "report"}
        assert expected | {"review_report", "consolidate"} <= steps
        cases = _top_level_cases(runtime)
        assert len(cases) == 9
        numbers = [c["incoming_number"] for c in cases]
        assert len(set(numbers)) == 9
        drafted = [c for c in cases if c.get("draft_intro")]
        assert len({(c["draft_subject"], c["draft_intro"], tuple(c["draft_tasks"])) for c in drafted}) == len(drafted)
        waiting = _waiting(runtime)
        assert waiting and [user for user, count in waiting.items() if count == 0] == []
        with session_of(runtime) as session:
            data = Engine(session, runtime.services).data(consolidating)
        assert data["report_subject"].startswith(f"Kết quả thực hiện Công văn số {data['incoming_number']}")
    finally:
        runtime.db.dispose()


def _chart_file(tmp_path: Path, chart: dict[str, Any]) -> str:
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(chart, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_samples_fill_an_invented_organisation(cli: Cli, tmp_path: Path) -> None:
    """Another organisation entirely: its own clerk, leaders, staffed division and staffed groups only."""
    env = {**cli.env, "ORG_CHART_FILE": _chart_file(tmp_path, invented.CHART)}
    other = Cli(env)
    _ok(other("setup"))

    assert "sample cases created: 9" in _ok(other("samples"))

    runtime = build_runtime(Settings.from_env(env))
    try:
        cases = _top_level_cases(runtime)
        assert len(cases) == 9
        instructed = [c for c in cases if c.get("lead_division")]
        assert {c["lead_division"] for c in instructed} == {invented.STAFFED}
        assert {c["signer"] for c in instructed} == {invented.DEPUTY}
        issued = [c for c in cases if c.get("recipients")]
        # The Sở's own units include one without an officer: only the district offices receive samples.
        assert issued and all(c["recipient_groups"] == [invented.DISTRICT_OFFICES] for c in issued)
        assert all(c["recipients"] == [invented.DISTRICT_OFFICE] for c in issued)
        waiting = _waiting(runtime)
        for user in (invented.CLERK, invented.DIRECTOR, invented.DEPUTY, invented.HEAD, invented.SPECIALIST):
            assert waiting[user] > 0, user
        assert waiting[invented.DISTRICT_OFFICER] > 0
    finally:
        runtime.db.dispose()


def test_samples_fill_the_district_of_the_second_invented_chart(cli: Cli) -> None:
    """A district with no parent body and roles of its own: every holder of a working role has work."""
    chart = Path(__file__).resolve().parents[2] / "data" / "charts" / "dong_xuyen.json"
    env = {**cli.env, "ORG_CHART_FILE": str(chart)}
    other = Cli(env)
    _ok(other("setup"))

    # Two staffed divisions: the second has a draft to write and one to check of its own.
    assert "sample cases created: 11" in _ok(other("samples"))

    runtime = build_runtime(Settings.from_env(env))
    try:
        waiting = _waiting(runtime)
        assert waiting and [user for user, count in waiting.items() if count == 0] == []
        assert {c["signer"] for c in _top_level_cases(runtime) if c.get("signer")} == {"pct.ubnd"}
    finally:
        runtime.db.dispose()


def test_samples_refuse_when_the_processes_are_not_deployed(cli: Cli) -> None:
    _ok(cli("db", "upgrade"))
    _ok(cli("seed"))

    result = cli("samples")

    assert result.exit_code == 1
    assert "no samples added: the process 'directive_lifecycle' is not deployed" in result.output


def _without_signers(chart: dict[str, Any]) -> None:
    """The director keeps the title (the signature block needs it) but no one may sign."""
    users = chart["users"]
    users[1]["roles"] = [role for role in users[1]["roles"] if not role.startswith("leader@")]
    del users[2]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda c: c["users"].pop(0), "no one holds the role 'clerk'"),
        (_without_signers, "no one holds the role 'leader'"),
        (lambda c: c["users"].__delitem__(4), "has both an active 'division_head' and 'specialist'"),
        (lambda c: c["users"].__delitem__(slice(8, 10)), "no recipient group"),
    ],
    ids=["no-clerk", "no-signer", "no-staffed-division", "no-staffed-group"],
)
def test_samples_refuse_an_organisation_that_lacks_someone(
    cli: Cli, tmp_path: Path, change: Callable[[dict[str, Any]], object], reason: str
) -> None:
    chart = copy.deepcopy(invented.CHART)
    change(chart)
    env = {**cli.env, "ORG_CHART_FILE": _chart_file(tmp_path, chart)}
    other = Cli(env)
    _ok(other("setup"))

    result = other("samples")

    assert result.exit_code == 1
    assert "no samples added: " in result.output and reason in result.output
    runtime = build_runtime(Settings.from_env(env))
    try:
        assert _top_level_cases(runtime) == []
    finally:
        runtime.db.dispose()

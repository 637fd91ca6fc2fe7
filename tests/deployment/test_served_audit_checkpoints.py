"""Served: the job worker writes signed checkpoints of the audit chains; `audit verify` and the auditor's page
pass, then find deletions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import delete, func, select, text

from engine import audit_guard
from engine.models import AuditEvent
from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import run_setup, served_database, start_server
from web import create_app, runtime_of
from web.core.cli import main

WAIT_SECONDS = 60.0


def _cli(env: Mapping[str, str], *args: str) -> Result:
    """`directive-flow ARGS` as an operator runs it beside the server, on the same database and instance folder."""
    apps: list[Flask] = []

    def factory() -> Flask:
        apps.append(create_app())
        return apps[-1]

    try:
        return CliRunner().invoke(main, list(args), env=dict(env), obj=ScriptInfo(create_app=factory))
    finally:
        for app in apps:
            runtime_of(app).db.dispose()


def _checkpointed(folder: Path) -> dict[str, list[object]]:
    """Every chain's head as the checkpoint file records it (later lines over earlier ones)."""
    path = folder / "audit-checkpoints.jsonl"
    heads: dict[str, list[object]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            heads.update(json.loads(line)["heads"])
    return heads


def test_the_job_worker_checkpoints_and_verify_finds_the_last_events_deleted(tmp_path: Path) -> None:
    """A directive registered over HTTP; the worker checkpoints its chain; deleting its last event fails verify."""
    with served_database(tmp_path) as (database, db):
        env = {**database, "AUDIT_CHECKPOINT_SECONDS": "0"}
        run_setup(tmp_path, env)
        with start_server(tmp_path, env, db) as served:
            d = DirectiveOverHttp(served)
            d.register()
            chain = f"case:{d.case_id}"
            with served.reading() as session:
                head = session.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.chain == chain))
            folder = tmp_path / "instance" / "audit-checkpoints"
            served.wait_until(
                lambda: (_checkpointed(folder).get(chain) or [0])[0] == head,
                timeout=WAIT_SECONDS,
                what=lambda: f"the job worker did not checkpoint {chain} at #{head}: {_checkpointed(folder)}",
            )
            operator = {**env, "INSTANCE_PATH": str(tmp_path / "instance")}
            intact = _cli(operator, "audit", "verify")
            assert intact.exit_code == 0, intact.output
            assert "audit trail intact" in intact.output and "checked against" in intact.output
            auditor = served.client("kiemtra")
            page = auditor.get("/audit/verify?run=1")
            assert page.status == 200 and "Nhật ký nguyên vẹn:" in page.text, page.text

            with db.begin() as connection:  # someone with database access removes the case's last event
                for statement in audit_guard.statements(db.dialect.name, create=False):
                    connection.execute(text(statement))
                connection.execute(delete(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.seq == head))
            broken = _cli(operator, "audit", "verify")
            assert broken.exit_code == 1
            assert f"{chain} #{head}: events {head} to {head} missing (checkpoint of" in broken.stderr
            assert "audit trail intact" not in broken.output
            page = auditor.get("/audit/verify?run=1")  # the auditor's page finds what the command found
            assert "Nhật ký KHÔNG nguyên vẹn" in page.text and f"events {head} to {head} missing" in page.text

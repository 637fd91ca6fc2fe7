"""`directive-flow audit verify | checkpoint | rotate-key` as an operator uses them; the job worker's checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text

from engine import audit, audit_guard
from engine.audit_checkpoints import log_path
from engine.audit_keys import read_key_file
from engine.models import AuditEvent
from tests.web.core.test_cli import Cli, cli, cli_database_url

__all__ = ["cli", "cli_database_url"]  # fixtures of the command-line tests
from web.core.audit_checkpointing import CheckpointTimer
from web.core.composition import Runtime, build_runtime
from web.core.db import unit_of_work
from web.core.settings import Settings


def _ok(result: object) -> str:
    assert getattr(result, "exit_code", None) == 0, (getattr(result, "output", ""), getattr(result, "exception", ""))
    return str(getattr(result, "output", ""))


def test_checkpoint_rotate_and_verify(cli: Cli, tmp_path: Path) -> None:
    """Setup makes a key; a checkpoint; a rotated key seals new events; every deletion at a chain's end exits 1."""
    assert "audit events are sealed with the key in" in _ok(cli("setup"))
    key_file = tmp_path / "instance" / "audit-keys"
    first = read_key_file(key_file).current
    assert "no checkpoint yet" in _ok(cli("audit", "verify"))
    assert "checkpoint of 1 chains written to" in _ok(cli("audit", "checkpoint"))
    assert _ok(cli("audit", "checkpoint")) == "no chain moved since the last checkpoint\n"

    setup_events = int(_ok(cli("audit", "verify")).split(": ")[1].split(" events")[0])
    rotated = _ok(cli("audit", "rotate-key"))
    second = read_key_file(key_file).current
    assert second != first and f"audit key {second} added" in rotated
    assert "sample cases created" in _ok(cli("samples"))
    assert "chains written" in _ok(cli("audit", "checkpoint"))
    runtime = build_runtime(Settings.from_env(cli.env))
    try:
        with runtime.sessions() as session:
            keys = dict(session.execute(select(AuditEvent.key_id, func.count()).group_by(AuditEvent.key_id)).all())
            last = session.execute(
                select(AuditEvent.chain, func.max(AuditEvent.seq)).group_by(AuditEvent.chain)
            ).first()
        assert keys.keys() == {first, second} and keys[first] == setup_events  # setup's, before the rotation
        intact = _ok(cli("audit", "verify"))
        assert "audit trail intact" in intact and "checked against 2 checkpoints" in intact

        assert last is not None
        chain, seq = last
        with runtime.db.begin() as connection:
            for statement in audit_guard.statements(runtime.db.dialect.name, create=False):
                connection.execute(text(statement))
            connection.execute(delete(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.seq == seq))
    finally:
        runtime.db.dispose()
    broken = cli("audit", "verify")
    assert broken.exit_code == 1
    assert f"{chain} #{seq}: events {seq} to {seq} missing (checkpoint of" in broken.stderr
    assert "audit trail intact" not in broken.output


def test_a_lost_key_file_names_the_events_it_sealed(cli: Cli, tmp_path: Path) -> None:
    """The key file deleted (a new one is made on next start): verify names the first event sealed with the old key."""
    _ok(cli("setup"))
    key_file = tmp_path / "instance" / "audit-keys"
    lost = read_key_file(key_file).current
    key_file.unlink()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"event 1 (agency #1): sealed with key {lost!r}, which is not among the audit keys" in result.stderr


def test_the_job_workers_checkpoints_come_every_interval(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    """The first pass writes one; the next within the interval none; a damaged file is logged, the jobs go on."""
    now = [1000.0]
    timer = CheckpointTimer(runtime, 300.0, monotonic=lambda: now[0])
    path = log_path(runtime.settings.audit_checkpoints_path)
    timer()
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1
    with unit_of_work(runtime.sessions) as session:
        audit.append(session, "workflows:note:written", actor="quantri", at=runtime.services.clock.now())
    now[0] += 299
    timer()
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1
    now[0] += 2
    timer()
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2
    path.write_text(path.read_text(encoding="utf-8").replace('"n":1', '"n":7'), encoding="utf-8")
    with unit_of_work(runtime.sessions) as session:
        audit.append(session, "workflows:note:written", actor="quantri", at=runtime.services.clock.now())
    now[0] += 301
    timer()
    assert "audit checkpoint not written: the checkpoint file is damaged (line 1" in caplog.text

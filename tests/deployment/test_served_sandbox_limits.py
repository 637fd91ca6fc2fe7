"""Served: a BPMN script that never ends fails its own timer within the time limit set for the served
processes (SCRIPT_TIME_LIMIT), while the job worker goes on firing the other timers.

The process is deployed with `directive-flow deploy` beside the running server, the instances are
started from another process on the same database, and the served job worker fires them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from engine.audit_keys import SESSION_KEYS, ensure_key_file
from engine.models import Job, ProcessInstance
from engine.runtime import Engine
from tests.served import run_setup, served_database, start_server
from web import create_app, runtime_of
from web.core.cli import main
from web.core.composition import build_services
from web.core.db import make_session_factory, unit_of_work
from web.core.settings import Settings

HANGING_BPMN = Path(__file__).resolve().parents[1] / "engine" / "bpmn" / "timer_script.bpmn"
WAIT_SECONDS = 60.0


def _cli(env: Mapping[str, str], *args: str) -> Result:
    apps: list[Flask] = []

    def factory() -> Flask:
        apps.append(create_app())
        return apps[-1]

    try:
        return CliRunner().invoke(main, list(args), env=dict(env), obj=ScriptInfo(create_app=factory))
    finally:
        for app in apps:
            runtime_of(app).db.dispose()


def test_a_hanging_script_fails_its_timer_while_the_served_worker_fires_the_others(tmp_path: Path) -> None:
    with served_database(tmp_path) as (database, db):
        run_setup(tmp_path, database)
        env = {**database, "SCRIPT_TIME_LIMIT": "0.5"}
        operator = {**env, "INSTANCE_PATH": str(tmp_path / "instance")}
        deployed = _cli(operator, "deploy", "--actor", "quantri", str(HANGING_BPMN))
        assert deployed.exit_code == 0, deployed.output
        with start_server(tmp_path, env, db) as served:
            settings = Settings.from_env(operator)
            sessions = make_session_factory(db)
            sessions.configure(info={SESSION_KEYS: ensure_key_file(settings.audit_keys_path)[0]})
            due = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()  # due once started, for the worker
            with unit_of_work(sessions) as session:
                engine = Engine(session, build_services(settings))
                hanging = engine.start("timer_script", "quantri", {"mode": "hang", "fire_at": due}).instance_id
                healthy = engine.start("timer_script", "quantri", {"mode": "ok", "fire_at": due}).instance_id

            def jobs() -> dict[int, Job]:
                with served.reading() as session:
                    return {job.instance_id: job for job in session.scalars(select(Job))}

            served.wait_until(
                lambda: jobs()[hanging].attempts >= 1 and jobs()[healthy].status == "done",
                timeout=WAIT_SECONDS,
                what=lambda: f"the served worker did not fire both timers: {jobs()}",
            )
            failed = jobs()[hanging]
            assert failed.status == "pending"  # retried later with back-off, an incident after the last try
            assert "ran longer than its limit of 0.5 s" in (failed.last_error or "")
            with served.reading() as session:
                assert session.get(ProcessInstance, healthy).status == "completed"  # type: ignore[union-attr]
                assert session.get(ProcessInstance, hanging).status == "running"  # type: ignore[union-attr]
            assert served.anonymous().get("/healthz").status == 200

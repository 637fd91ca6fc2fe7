"""Served: the administrator holds a case over HTTP and its timer does not fire in the served job worker;
released, it fires; then the case is migrated to a new version from the migration page and its
task, completed over HTTP, goes on in the new version.

The process (tests/deployment/bpmn/held_note.bpmn: a specialist's note with a non-interrupting
reminder timer) is deployed with `directive-flow deploy` beside the server, as an administrator
would, and its second version while the server runs.
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
from engine.models import AuditEvent, Job, ProcessDefinition, ProcessInstance, TaskRow
from engine.runtime import Engine
from tests.served import ServedApp, WebClient, poll, run_setup, served_database, start_server
from tests.web.conftest import csrf_token
from web import create_app, runtime_of
from web.core.cli import main
from web.core.composition import build_services
from web.core.db import make_session_factory, unit_of_work
from web.core.settings import Settings

BPMN = Path(__file__).resolve().parent / "bpmn"
ADMIN, SPECIALIST, DIVISION = "quantri", "cv.hvd", "QLVHGD"
WAIT_SECONDS = 60.0
# Long enough for the administrator to hold the case over HTTP before its reminder falls due.
DUE_IN = timedelta(seconds=8)


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


def _act(admin: WebClient, instance_id: int, action: str, reason: str, version: int) -> None:
    page = admin.get(f"/admin/cases/{instance_id}")
    assert page.status == 200, page.text[:2000]
    reply = admin.post(
        f"/admin/cases/{instance_id}/{action}",
        {"csrf_token": csrf_token(page.text), "version": str(version), f"{action}_reason": reason},
    )
    assert reply.status == 302, reply.text[:3000]


def _timer(served: ServedApp, instance_id: int) -> Job:
    with served.reading() as session:
        return session.scalars(select(Job).where(Job.instance_id == instance_id, Job.kind == "timer")).one()


def _instance(served: ServedApp, instance_id: int) -> ProcessInstance:
    with served.reading() as session:
        return session.get_one(ProcessInstance, instance_id)


def test_hold_release_and_migrate_a_case_on_the_served_application(tmp_path: Path) -> None:
    with served_database(tmp_path) as (database, db):
        run_setup(tmp_path, database)
        operator = {**database, "INSTANCE_PATH": str(tmp_path / "instance")}
        deployed = _cli(operator, "deploy", "--actor", ADMIN, str(BPMN / "held_note.bpmn"))
        assert deployed.exit_code == 0, deployed.output
        with start_server(tmp_path, database, db) as served:
            settings = Settings.from_env(operator)
            sessions = make_session_factory(db)
            sessions.configure(info={SESSION_KEYS: ensure_key_file(settings.audit_keys_path)[0]})
            due = datetime.now(UTC) + DUE_IN
            with unit_of_work(sessions) as session:
                started = Engine(session, build_services(settings)).start(
                    "held_note", SPECIALIST, {"unit": DIVISION, "fire_at": due.isoformat()}, title="Ghi nhận thử"
                )
            case_id = started.instance_id
            admin = served.client(ADMIN)

            # Held: past its moment, the served worker (polling every 0.5 s) leaves the reminder alone.
            _act(admin, case_id, "suspend", "Chờ ý kiến Giám đốc", _instance(served, case_id).version)
            assert _instance(served, case_id).status == "suspended"
            poll(lambda: datetime.now(UTC) > due + timedelta(seconds=3), timeout=30, what=lambda: "time stood still")
            assert _timer(served, case_id).status == "pending"
            listed = admin.get("/admin/cases?status=suspended&process=held_note")
            assert f'data-instance="{case_id}"' in listed.text

            # Released: the worker fires it.
            _act(admin, case_id, "resume", "", _instance(served, case_id).version)
            served.wait_until(
                lambda: _timer(served, case_id).status == "done",
                timeout=WAIT_SECONDS,
                what=lambda: f"the reminder did not fire after resuming: {_timer(served, case_id)}",
            )

            # A second version deployed beside the running server; the case moves to it from the page.
            deployed = _cli(operator, "deploy", "--actor", ADMIN, str(BPMN / "held_note_v2.bpmn"))
            assert deployed.exit_code == 0, deployed.output
            query = "/admin/cases/migrate?process=held_note&from_version=1&to_version=2"
            dry_run = admin.get(query)
            assert dry_run.status == 200 and "1 trong 1 hồ sơ chuyển được" in dry_run.text, dry_run.text[:3000]
            assert "Ghi nhận" in dry_run.text
            done = admin.post(
                "/admin/cases/migrate",
                {
                    "csrf_token": csrf_token(dry_run.text),
                    "process": "held_note",
                    "from_version": "1",
                    "to_version": "2",
                    "instance": str(case_id),
                },
            )
            assert done.status == 200 and "Đã chuyển 1 hồ sơ; 0 hồ sơ giữ nguyên" in done.text, done.text[:3000]
            with served.reading() as session:
                version = session.get_one(ProcessDefinition, _instance(served, case_id).definition_id).version
                note = session.scalars(
                    select(TaskRow).where(TaskRow.instance_id == case_id, TaskRow.state == "ready")
                ).one()
            assert (version, note.title) == (2, "Ghi nhận kết quả")

            # The specialist completes the task over HTTP; the new version's next step follows.
            specialist = served.client(SPECIALIST)
            reply = specialist.submit(f"/tasks/{note.id}", {"acknowledge_note": "Đã ghi nhận"})
            assert reply.status == 302, reply.text[:3000]
            with served.reading() as session:
                ready = session.scalars(
                    select(TaskRow.title).where(TaskRow.instance_id == case_id, TaskRow.state == "ready")
                ).all()
                tags = session.scalars(
                    select(AuditEvent.tag).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
                ).all()
            assert list(ready) == ["Xác nhận"]
            assert [t for t in tags if t.startswith("engine:instance:") or t == "engine:timer:fired"] == [
                "engine:instance:started",
                "engine:instance:suspended",
                "engine:instance:resumed",
                "engine:timer:fired",
                "engine:instance:migrated",
            ]
            timeline = admin.get(f"/cases/{case_id}/timeline")
            assert timeline.status == 200 and "Chuyển phiên bản quy trình" in timeline.text

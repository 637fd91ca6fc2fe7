"""`directive-flow`: the command line. Each command is one unit of work (or one per job)."""

from __future__ import annotations

import signal
import sys
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import FlaskGroup

from engine import audit_checkpoints
from engine.audit_keys import rotate_key_file
from engine.audit_verify import verify_trail
from engine.clock import ManualClock
from engine.definitions import call_order
from engine.errors import DeploymentError
from engine.runtime import Engine
from engine.worker import WorkerReport, run_due_jobs
from web import create_app, runtime_of
from web.accounts.users import give_demo_passwords
from web.core import backup as backups
from web.core import migrate
from web.core.audit_checkpointing import CheckpointTimer
from web.core.composition import Runtime, build_delivery
from web.core.db import unit_of_work
from web.core.demo import create_sample_cases, demo_runtime, has_cases, prepare_demo, rehearse, trail_lines
from web.core.job_worker import WorkerLoop, log_report
from web.core.serving import GunicornApplication
from web.core.supervise import Supervisor, configure_logging
from workflows.delivery.outbox import log_delivery
from workflows.directive.samples import SamplesRefused
from workflows.orgchart.loader import load_org_chart
from workflows.orgchart.validation import OrgChartInvalid


def _runtime() -> Runtime:
    return runtime_of(current_app)


def _migrated_runtime() -> Runtime:
    """The runtime, once the database schema is known to be up to date."""
    runtime = _runtime()
    at, newest = migrate.current(runtime.db), migrate.head()
    if at != newest:
        raise click.ClickException(
            f"the database schema is at {at or 'nothing'}, the code needs {newest}: "
            "run `directive-flow setup` (or `directive-flow db upgrade`) first"
        )
    return runtime


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """directive-flow: công văn from arrival to the report upward (Nghị định 30/2020/NĐ-CP)."""


@main.group()
def db() -> None:
    """Schema migrations (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema to REVISION (default: the newest)."""
    migrate.upgrade(_runtime().db, revision, _runtime().audit_keys)
    click.echo(f"schema at {migrate.current(_runtime().db)}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION ('base' drops everything)."""
    migrate.downgrade(_runtime().db, revision, _runtime().audit_keys)
    click.echo(f"schema at {migrate.current(_runtime().db)}")


@db.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    click.echo(migrate.current(_runtime().db) or "empty")


@main.command("seed")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--demo-passwords",
    is_flag=True,
    help="Give every user without a password the demo password (DEMO_PASSWORD; local use only).",
)
@click.option("--actor", default="setup", show_default=True, help="Who the changes are recorded as.")
def seed(path: Path | None, demo_passwords: bool, actor: str) -> None:
    """Load the org chart (units, groups, users, roles, settings); running it twice changes nothing."""
    runtime = _migrated_runtime()
    with unit_of_work(runtime.sessions) as session:
        try:
            summary = load_org_chart(session, path or runtime.settings.org_chart_file, actor=actor)
        except OrgChartInvalid as exc:
            raise click.ClickException(f"{exc}\nnothing was loaded") from exc
        if demo_passwords:
            given = give_demo_passwords(session, runtime.settings.demo_password)
            if given:
                click.echo(f"demo password set for {given} users (local use only)")
    click.echo(
        f"org chart loaded: created {summary.created or 'nothing'}, updated {summary.updated or 'nothing'}, "
        f"removed {summary.removed or 'nothing'}"
    )


@main.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", default="setup", show_default=True, help="Who the deployment is recorded as.")
@click.option("--note", default=None, help="Why these versions are deployed (shown on the processes page).")
def deploy(files: tuple[Path, ...], actor: str, note: str | None) -> None:
    """Deploy BPMN FILES (default: every file in bpmn/); unchanged files make no new version."""
    runtime = _migrated_runtime()
    paths = call_order(files or runtime.settings.bpmn_dir.glob("*.bpmn"))
    for path in paths:
        try:
            with unit_of_work(runtime.sessions) as session:
                definitions = Engine(session, runtime.services).deploy(path.read_bytes(), path.name, actor, note)
        except DeploymentError as exc:
            raise click.ClickException("\n".join([f"{exc.filename}: cannot deploy", *exc.problems])) from exc
        for d in definitions:
            click.echo(f"{path.name}: {d.key} version {d.version} ({d.checksum[:12]})")


@main.command("setup")
@click.option("--demo-passwords", is_flag=True, help="Also give users without a password the demo password.")
@click.pass_context
def setup(ctx: click.Context, demo_passwords: bool) -> None:
    """Upgrade the schema (the audit key is made on first start), load the org chart and deploy the processes."""
    path = _runtime().settings.audit_keys_path
    click.echo(
        f"audit events are sealed with the key in {path}: keep a copy the database's administrators cannot reach"
    )
    ctx.invoke(db_upgrade)
    ctx.invoke(seed, demo_passwords=demo_passwords)
    ctx.invoke(deploy)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", default=2, show_default=True, help="Web worker processes.")
@click.option("--worker-interval", default=5.0, show_default=True, help="Seconds between the job worker's polls.")
def serve(host: str, workers: int, worker_interval: float) -> None:
    """Serve the web application with gunicorn on PORT, with a job worker beside it (restarted if it dies)."""
    configure_logging()
    command = [sys.executable, "-m", "web.core.cli"]
    supervisor = Supervisor(
        [*command, "web", "--host", host, "--workers", str(workers)],
        [*command, "worker", "--interval", str(worker_interval)],
    )
    sys.exit(supervisor.run())


@main.command("web", hidden=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", default=2, show_default=True, help="Web worker processes.")
def web(host: str, workers: int) -> None:
    """The web application alone under gunicorn on PORT (`serve` runs it beside the job worker)."""
    configure_logging()
    settings = _runtime().settings
    GunicornApplication(create_app, {"bind": f"{host}:{settings.port}", "workers": workers}).run()


@main.command("demo")
@click.option(
    "--database",
    "database_url",
    metavar="URL",
    help="Play in this database (it receives the reference organisation and case) instead of a temporary one.",
)
def demo(database_url: str | None) -> None:
    """Run the reference case through every step in a database of its own and print its trail."""
    with demo_runtime(_runtime().settings, database_url) as runtime:
        prepare_demo(runtime)
        result = rehearse(runtime)
        for line in trail_lines(runtime, result.outcome.case_id):
            click.echo(line)
    click.echo(
        f"Hồ sơ #{result.outcome.case_id}: {result.status}; {len(result.outcome.units)} đơn vị nhận; "
        f"chậm báo cáo: {result.outcome.late_unit}; yêu cầu bổ sung: {result.outcome.more_unit}; "
        f"{result.seconds:.2f} s"
    )
    if result.status != "completed":
        sys.exit(1)


@main.command("samples")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no case yet.")
def samples(if_empty: bool) -> None:
    """Create sample cases at every stage (instruction, drafting, signature, units reporting, report upward)."""
    runtime = _migrated_runtime()
    if if_empty and has_cases(runtime):
        click.echo("cases exist already: no samples added")
        return
    try:
        created = create_sample_cases(runtime)
    except SamplesRefused as refused:
        raise click.ClickException(f"no samples added: {refused.reason}") from refused
    click.echo(f"sample cases created: {created}")


@main.command("worker")
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
@click.option("--now", "now_text", metavar="ISO-TIME", help="Set the clock for this run (e.g. 2023-03-25T08:00+07:00).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
def worker(once: bool, now_text: str | None, interval: float) -> None:
    """Run due jobs (timers, resumptions) until stopped; a lost database is waited for."""
    runtime = _migrated_runtime() if once else _runtime()
    services = runtime.services
    if now_text:
        moment = datetime.fromisoformat(now_text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(runtime.settings.timezone))
        services = replace(services, clock=ManualClock(moment))
    # Notifications go out after the jobs that queued them committed, in the same pass.
    delivery = build_delivery(runtime, services.clock)
    checkpoints = CheckpointTimer(runtime, runtime.settings.audit_checkpoint_seconds)
    if once:
        _echo_report(run_due_jobs(runtime.sessions, services))
        checkpoints()
        sent = delivery.run()
        if sent.sent or sent.retrying or sent.failed:
            click.echo(
                f"notifications sent: {len(sent.sent)}, to retry: {len(sent.retrying)}, failed: {len(sent.failed)}"
            )
        return
    configure_logging()
    checked = False

    def one_pass() -> WorkerReport:
        nonlocal checked
        if not checked:
            # Inside the loop: a database not up yet is waited for like one lost later.
            _migrated_runtime()
            checked = True
        report = run_due_jobs(runtime.sessions, services)
        log_delivery(delivery.run())
        checkpoints()
        return report

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        WorkerLoop(one_pass, log_report, stop.wait, interval=interval).run()
    except KeyboardInterrupt:
        return


def _echo_report(report: WorkerReport) -> None:
    if report.done or report.failed:
        click.echo(f"jobs done: {len(report.done)}, failed: {len(report.failed)}")
        for job_id, error in report.failed:
            click.echo(f"  job {job_id}: {error}", err=True)


@main.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every event against its seal and the chains against the signed checkpoints; exit 1 if anything is off."""
    runtime = _migrated_runtime()
    with unit_of_work(runtime.sessions) as session:
        result = verify_trail(session, runtime.settings.audit_checkpoints_path)
    for item in result.breaks:
        click.echo(str(item), err=True)
    for problem in result.checkpoint_problems:
        click.echo(f"checkpoint file: {problem}", err=True)
    if not result.intact:
        sys.exit(1)
    checked = (
        f"checked against {result.checkpoints} checkpoints, the last of {result.checkpoint_at}"
        if result.checkpoints
        else "no checkpoint yet (`directive-flow audit checkpoint` writes one)"
    )
    click.echo(f"audit trail intact: {result.events} events in {result.chains} chains, {checked}")


@audit_group.command("checkpoint")
def audit_checkpoint() -> None:
    """Append a signed checkpoint of every chain's head to the checkpoint file (the job worker does it regularly)."""
    runtime = _migrated_runtime()
    folder = runtime.settings.audit_checkpoints_path
    try:
        with unit_of_work(runtime.sessions) as session:
            moved = audit_checkpoints.write_checkpoint(
                session, folder, runtime.audit_keys, runtime.services.clock.now()
            )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    where = audit_checkpoints.log_path(folder)
    click.echo(
        f"checkpoint of {moved} chains written to {where}" if moved else "no chain moved since the last checkpoint"
    )


@audit_group.command("rotate-key")
def audit_rotate_key() -> None:
    """Add a new audit key that seals events from now on; the older keys stay in the file to verify older events."""
    path = _runtime().settings.audit_keys_path
    key_id = rotate_key_file(path)
    click.echo(f"audit key {key_id} added to {path}: restart the application (serve) so that it seals with it")


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Copy the whole database into FILE (SQLite's backup, or pg_dump on PostgreSQL)."""
    try:
        backups.backup(_runtime().db, file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database copied to {file}")


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(file: Path) -> None:
    """Load a backup FILE into the configured database, which must be empty (then run `audit verify`)."""
    try:
        backups.restore(_runtime().db, file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database restored from {file}")


if __name__ == "__main__":
    main()

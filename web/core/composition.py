"""The composition root: the one place where ports meet their real implementations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine as SqlEngine
from sqlalchemy.orm import Session, sessionmaker

from engine.audit_keys import SESSION_KEYS, UNKEYED, AuditKeys, ensure_key_file
from engine.clock import Clock, SystemClock
from engine.runtime import Engine
from engine.sandbox_limits import ScriptLimits
from engine.services import EngineServices
from web.core.db import make_engine, make_session_factory, unit_of_work
from web.core.settings import Settings
from workflows.delivery.mailer import DEFAULT_PORTS, SmtpMailer, SmtpSettings
from workflows.delivery.outbox import Delivery
from workflows.deploy_checks import ProcessChecks
from workflows.directive.checks import DOMAIN_CHECKS
from workflows.directive.forms import register_directive_forms
from workflows.directive.scripts import DirectiveScripts
from workflows.forms.adapter import EngineForms
from workflows.forms.base import FormRegistry
from workflows.orgchart.directory import OrgDirectory
from workflows.urgency import PRIORITY


def build_services(settings: Settings, clock: Clock | None = None) -> EngineServices:
    """The engine's collaborators for the directive domain."""
    registry = FormRegistry()
    register_directive_forms(registry)
    # One calendar, the database's (workflows.orgchart.calendar_days): the days a form refuses as
    # days off are those the scripts count deadlines in, with the administrators' overrides.
    return EngineServices(
        clock=clock or SystemClock(),
        directory=OrgDirectory,
        forms=EngineForms(registry, DOMAIN_CHECKS),
        scripts=DirectiveScripts(),
        business_timezone=ZoneInfo(settings.timezone),
        priorities=PRIORITY,
        script_limits=ScriptLimits(seconds=settings.script_seconds, memory_bytes=settings.script_memory_mb << 20),
        deploy_checks=ProcessChecks(registry),
    )


@dataclass
class Runtime:
    """What a process of the application holds for its lifetime: settings, database, services."""

    settings: Settings
    db: SqlEngine
    sessions: sessionmaker[Session]
    services: EngineServices
    # The keys its sessions seal audit events with (engine/audit_keys.py).
    audit_keys: AuditKeys = UNKEYED


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Connect to the configured database and assemble the services; the audit key is made on first start."""
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    db = make_engine(settings.database_url)
    keys, _created = ensure_key_file(settings.audit_keys_path)
    sessions = make_session_factory(db)
    sessions.configure(info={SESSION_KEYS: keys})
    return Runtime(settings, db, sessions, build_services(settings, clock), keys)


def engine_transactions(
    runtime: Runtime, services: EngineServices | None = None
) -> Callable[[], AbstractContextManager[Engine]]:
    """A factory of units of work, each yielding an Engine bound to its one transaction."""
    chosen = services or runtime.services

    @contextmanager
    def transaction() -> Iterator[Engine]:
        with unit_of_work(runtime.sessions) as session:
            yield Engine(session, chosen)

    return transaction


def build_mailer(settings: Settings) -> SmtpMailer | None:
    """The SMTP mailer the settings describe; None (e-mail off) while no SMTP host is set."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port or DEFAULT_PORTS.get(settings.smtp_tls, 587),
            tls=settings.smtp_tls,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.mail_sender,
            ca_file=settings.smtp_ca_file,
        )
    )


def build_delivery(runtime: Runtime, clock: Clock | None = None) -> Delivery:
    """The notifications' delivery pass of a job worker: in-app messages, and e-mail when set up."""
    settings = runtime.settings
    return Delivery(
        runtime.sessions,
        clock or runtime.services.clock,
        build_mailer(settings),
        sender=settings.mail_sender,
        base_url=settings.public_url,
        max_attempts=settings.mail_max_attempts,
    )

"""The Flask application: officer UI, administration, API and CLI (see docs/architecture.md)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from web.accounts import auth, password_reset, substitutes
from web.admin import calendar as admin_calendar
from web.admin import case_migration as admin_migration
from web.admin import cases as admin_cases
from web.admin import deploys, diffs, incidents, processes, units
from web.admin import forms as admin_forms
from web.admin import groups as admin_groups
from web.admin import modeler as admin_modeler
from web.admin import substitutes as admin_substitutes
from web.admin import unit_edit as admin_unit_edit
from web.admin import users as admin_users
from web.admin import users_import as admin_users_import
from web.audit import read_only
from web.audit import search as audit_search
from web.audit import timeline as audit_timeline
from web.audit import timeline_export as audit_timeline_export
from web.audit import verify as audit_verify
from web.cases import attachments, documents, search
from web.cases import routes as cases
from web.core import errors, favicon, health, i18n, organisation, requests, security_headers
from web.core.composition import Runtime, build_runtime
from web.core.extensions import csrf
from web.core.settings import Settings
from web.intake import exchange
from web.notifications import routes as notifications
from web.registers import routes as registers
from web.supervision import pictures as supervision_pictures
from web.supervision import rounds as reminder_rounds
from web.supervision import routes as supervision
from web.tasks import inbox
from web.tasks import routes as tasks


def create_app(overrides: Mapping[str, Any] | None = None, runtime: Runtime | None = None) -> Flask:
    """Build an application; `overrides` replace settings read from the environment, and a test
    may hand over a runtime of its own (its database, its clock)."""
    if runtime is None:
        runtime = build_runtime(Settings.from_env(**dict(overrides or {})))
    settings = runtime.settings
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config["SECRET_KEY"] = settings.secret_key or _instance_secret(settings)
    app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    app.extensions["directive_flow"] = runtime

    requests.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app, settings.timezone)
    auth.init_app_login(app)
    errors.init_app(app)
    read_only.init_app(app)
    security_headers.init_app(app)
    organisation.init_app(app)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(substitutes.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(attachments.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(exchange.bp)
    app.register_blueprint(registers.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(supervision.bp)
    app.register_blueprint(supervision_pictures.bp)
    app.register_blueprint(reminder_rounds.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(favicon.bp)
    app.register_blueprint(incidents.bp)
    app.register_blueprint(admin_cases.bp)
    app.register_blueprint(admin_migration.bp)
    app.register_blueprint(admin_forms.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(deploys.bp)
    app.register_blueprint(diffs.bp)
    app.register_blueprint(units.bp)
    app.register_blueprint(admin_modeler.bp)
    app.register_blueprint(admin_calendar.bp)
    app.register_blueprint(admin_users.bp)
    app.register_blueprint(admin_unit_edit.bp)
    app.register_blueprint(admin_users_import.bp)
    app.register_blueprint(admin_substitutes.bp)
    app.register_blueprint(admin_groups.bp)
    app.register_blueprint(password_reset.bp)
    app.register_blueprint(audit_search.bp)
    app.register_blueprint(audit_timeline.bp)
    app.register_blueprint(audit_timeline_export.bp)
    app.register_blueprint(audit_verify.bp)
    return app


def runtime_of(app: Flask) -> Runtime:
    """The runtime an application was built with."""
    runtime: Runtime = app.extensions["directive_flow"]
    return runtime


def _instance_secret(settings: Settings) -> str:
    # A secret made on first start and kept in the instance folder: never in the repository.
    path = settings.instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()

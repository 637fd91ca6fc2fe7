"""Schema migrations through Alembic's command API, on the application's own engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from engine.audit_keys import AuditKeys

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at our migrations and this engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats % as interpolation; a percent-encoded password must survive it.
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head", audit_keys: AuditKeys | None = None) -> None:
    """Bring the schema up to `revision` (the newest by default), sealing the audit trail with `audit_keys`."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["audit_keys"] = audit_keys
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str, audit_keys: AuditKeys | None = None) -> None:
    """Take the schema back to `revision` (`audit_keys` verify the sealed trail before it is unsealed)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["audit_keys"] = audit_keys
        command.downgrade(config, revision)


def head() -> str | None:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision the database is at."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()

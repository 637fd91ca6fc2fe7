"""What a test of the audit trail needs: an agency's key, and tampering as someone with database access does it."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from engine import audit_checkpoints, audit_guard
from engine.audit_keys import SESSION_KEYS, AuditKeys
from engine.audit_verify import Verification, verify_trail

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv


def agency_keys() -> AuditKeys:
    """A fresh key, as `directive-flow setup` makes one."""
    return AuditKeys({"k1": secrets.token_bytes(32)}, "k1")


def dialect(env: EngineEnv) -> str:
    """The kind of database the environment runs on."""
    with env.sessions() as session:
        return session.get_bind().dialect.name


def seal_with(env: EngineEnv, keys: AuditKeys) -> None:
    """Make the environment's sessions seal (and verify) with `keys`, as the composition root does."""
    env.sessions.configure(info={SESSION_KEYS: keys})


def tamper(env: EngineEnv, *statements: Any) -> None:
    """Change the audit table directly: drop its triggers first, as its owner could, then run the statements."""
    with env.sessions() as session:
        dialect = session.get_bind().dialect.name
        for statement in audit_guard.statements(dialect, create=False):
            session.execute(text(statement))
        for statement in statements:
            session.execute(statement)
        session.commit()


def checkpoint(env: EngineEnv, folder: Path) -> int | None:
    """Write a checkpoint of the chains' heads now, as the job worker does."""
    with env.sessions() as session:
        return audit_checkpoints.write_checkpoint(session, folder, session.info[SESSION_KEYS], env.clock.now())


def verified(env: EngineEnv, folder: Path | None = None) -> Verification:
    """Verify the trail in a fresh session, against the checkpoints in `folder` if given."""
    with env.sessions() as session:
        return verify_trail(session, folder)

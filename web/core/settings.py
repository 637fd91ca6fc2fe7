"""Every setting the application reads, from the environment, typed and defaulted in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workflows.orgchart.loader import DEFAULT_CHART

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The password `--demo-passwords` gives, printed in the README for trying the product locally;
#: never used where real people sign in. DEMO_PASSWORD replaces it.
DEFAULT_DEMO_PASSWORD = "demo2023"  # noqa: S105


@dataclass(frozen=True)
class Settings:
    """The application's configuration."""

    instance_path: Path
    database_url: str
    secret_key: str | None
    port: int
    bpmn_dir: Path
    org_chart_file: Path
    # Session cookies carry the Secure flag unless told otherwise; browsers accept Secure cookies
    # from http://localhost, so only a plain-HTTP deployment elsewhere needs COOKIE_SECURE=false.
    cookie_secure: bool = True
    demo_password: str = DEFAULT_DEMO_PASSWORD
    # Password attempts: after this many failures within the window, sign-in waits out the window.
    login_failures_allowed: int = 5
    login_window_minutes: int = 15
    timezone: str = "Asia/Ho_Chi_Minh"
    # E-mail of notifications (workflows/delivery/): off while no SMTP host is set. The password
    # comes from the environment only, never from a file in the repository.
    smtp_host: str | None = None
    smtp_port: int | None = None  # the TLS mode's usual port when None (25, 587, 465)
    smtp_tls: str = "starttls"  # none, starttls or ssl
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_ca_file: str | None = None  # the server's certificate authority, when not one the system trusts
    mail_sender: str = "directive-flow@localhost"
    # The application's address as people open it, for the links in e-mails; http://127.0.0.1:PORT when unset.
    base_url: str | None = None
    mail_max_attempts: int = 5
    # What one BPMN script may cost: seconds of running, and memory it may add to its process.
    script_seconds: float = 5.0
    script_memory_mb: int = 512
    # The audit trail's keys and signed checkpoints, kept outside the database (README, "Audit trail"):
    # the instance folder unless AUDIT_KEY_FILE / AUDIT_CHECKPOINT_DIR name places the operator keeps.
    audit_key_file: Path | None = None
    audit_checkpoint_dir: Path | None = None
    audit_checkpoint_seconds: float = 300.0

    @property
    def public_url(self) -> str:
        """The address links in e-mails start with."""
        return (self.base_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    @property
    def audit_keys_path(self) -> Path:
        """The file of audit keys (one `<id> <hex>` a line, the last seals new events)."""
        return self.audit_key_file or self.instance_path / "audit-keys"

    @property
    def audit_checkpoints_path(self) -> Path:
        """The folder the signed checkpoints of the audit chains are appended in."""
        return self.audit_checkpoint_dir or self.instance_path / "audit-checkpoints"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read the environment: DATABASE_URL, SECRET_KEY, PORT, INSTANCE_PATH, BPMN_DIR, ORG_CHART_FILE, SMTP_*, …"""
        env = os.environ if environ is None else environ
        instance = Path(env.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))
        settings = cls(
            instance_path=instance,
            # SQLite in the instance folder is the default for one machine; any SQLAlchemy URL
            # (PostgreSQL in production) can replace it.
            database_url=env.get("DATABASE_URL") or f"sqlite:///{instance / 'directive-flow.sqlite'}",
            secret_key=env.get("SECRET_KEY") or None,
            port=int(env.get("PORT", "5000")),
            bpmn_dir=Path(env.get("BPMN_DIR", PROJECT_ROOT / "bpmn")),
            # The chart shipped as sample data; a deployment names its own in ORG_CHART_FILE.
            org_chart_file=Path(env.get("ORG_CHART_FILE", DEFAULT_CHART)),
            cookie_secure=env.get("COOKIE_SECURE", "true").lower() not in ("0", "false", "no"),
            demo_password=env.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=int(env["SMTP_PORT"]) if env.get("SMTP_PORT") else None,
            smtp_tls=(env.get("SMTP_TLS") or "starttls").lower(),
            smtp_user=env.get("SMTP_USER") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_ca_file=env.get("SMTP_CA_FILE") or None,
            mail_sender=env.get("MAIL_FROM") or "directive-flow@localhost",
            base_url=env.get("BASE_URL") or None,
            mail_max_attempts=int(env.get("MAIL_MAX_ATTEMPTS", "5")),
            script_seconds=float(env.get("SCRIPT_TIME_LIMIT", "5")),
            script_memory_mb=int(env.get("SCRIPT_MEMORY_LIMIT_MB", "512")),
            audit_key_file=Path(env["AUDIT_KEY_FILE"]) if env.get("AUDIT_KEY_FILE") else None,
            audit_checkpoint_dir=Path(env["AUDIT_CHECKPOINT_DIR"]) if env.get("AUDIT_CHECKPOINT_DIR") else None,
            audit_checkpoint_seconds=float(env.get("AUDIT_CHECKPOINT_SECONDS", "300")),
        )
        return replace(settings, **overrides)

"""Every setting the application reads, from the environment, typed and defaulted in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read the environment: DATABASE_URL, SECRET_KEY, PORT, INSTANCE_PATH, BPMN_DIR, ORG_CHART_FILE, …"""
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
        )
        return replace(settings, **overrides)

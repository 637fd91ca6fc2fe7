"""Accounts: demo passwords for local use."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from web.accounts.passwords import hash_password
from web.core.settings import DEFAULT_DEMO_PASSWORD
from workflows.orgchart.models import User

#: The demo password unless the settings name another (web/core/settings.py).
DEMO_PASSWORD = DEFAULT_DEMO_PASSWORD


def give_demo_passwords(session: Session, password: str = DEMO_PASSWORD) -> int:
    """Set the demo password for every active user who has none; returns how many."""
    users = session.scalars(select(User).where(User.password_hash.is_(None), User.active.is_(True))).all()
    # One hash for the one published password: hashing forty times would only cost seconds.
    shared = hash_password(password) if users else ""
    for user in users:
        user.password_hash = shared
    return len(users)

"""Signed-in sessions kept on the server: the session cookie carries only a random token, so signing
out (or a changed password, or the session's age) ends the session for every copy of the cookie."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from web.core.models import SignInSession
from workflows.orgchart.models import User

#: How long a session lasts after signing in, however active: a working day and then some.
SESSION_LIFETIME = timedelta(hours=10)


def session_now() -> datetime:
    """Now on the wall clock, which times sessions as it times their cookies: a session lasts real
    hours at a keyboard, whatever the application's clock says of deadlines (tests move that one by days)."""
    return datetime.now(UTC)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def password_stamp(password_hash: str | None) -> str:
    """A digest of the stored password hash; it changes whenever the password does."""
    return _digest(password_hash or "")


def open_session(session: Session, user: User, now: datetime) -> str:
    """Start a session for `user`; the token to keep in the session cookie."""
    # The user's finished sessions are of no further use: clear them so the table stays small.
    session.execute(
        delete(SignInSession).where(
            SignInSession.username == user.username,
            or_(SignInSession.ended_at.is_not(None), SignInSession.expires_at <= now),
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        SignInSession(
            token_hash=_digest(token),
            username=user.username,
            password_stamp=password_stamp(user.password_hash),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


def session_user(session: Session, token: str, now: datetime) -> User | None:
    """The active user whose live session `token` is, or None when it ended, expired or never was."""
    row = session.execute(
        select(User, SignInSession.password_stamp)
        .join(SignInSession, SignInSession.username == User.username)
        .where(
            SignInSession.token_hash == _digest(token),
            SignInSession.ended_at.is_(None),
            SignInSession.expires_at > now,
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user, stamp = row
    return user if secrets.compare_digest(stamp, password_stamp(user.password_hash)) else None


def end_session(session: Session, token: str, now: datetime) -> None:
    """End the session of `token` (signing out)."""
    session.execute(
        update(SignInSession)
        .where(SignInSession.token_hash == _digest(token), SignInSession.ended_at.is_(None))
        .values(ended_at=now)
    )

"""Slowing down password guessing, by account and address, counted so that parallel attempts cannot
slip through and a stranger cannot keep an officer out of their own account.

Every attempt is written and committed as a guess *before* its verdict is read, in a transaction of
its own: of any two attempts, the later one to read sees the other, so no more guesses than allowed
are ever checked, however many arrive at once (a count read before the insert let all of them through).
An attempt turned away is marked `refused` and counts no further; a correct password marks it
`succeeded`. What is counted, within the window:

- one account from one address: `allowed` guesses, then that pair waits;
- one account from anywhere: four times as many, then addresses that have not signed in to it
  lately wait too (its owner, at a desk that has, does not);
- one address against any account: four times as many (a shared office connection may mistype).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, sessionmaker

from web.core.db import unit_of_work
from web.core.models import LoginAttempt

ACCOUNT_WIDE_FACTOR = 4
ADDRESS_WIDE_FACTOR = 4
#: An address that signed in to an account this recently is its owner's; strangers cannot block it.
KNOWN_ADDRESS_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Verdict:
    """What the throttle says of one attempt: its record, and until when it must wait (if it must)."""

    attempt_id: int
    retry_at: datetime | None = None

    @property
    def refused(self) -> bool:
        """Whether the attempt is turned away without checking the password."""
        return self.retry_at is not None


def judge_attempt(
    sessions: sessionmaker[Session],
    username: str,
    address: str,
    now: datetime,
    *,
    allowed: int,
    window: timedelta,
) -> Verdict:
    """Record a sign-in attempt as a guess and decide whether its password may be checked.

    Runs its own two committed transactions (see the module's note); call it before the request's
    own transaction has begun, so that on SQLite it never waits for itself.
    """
    username, address = username[:100], address[:64]
    with unit_of_work(sessions) as session:
        attempt = LoginAttempt(username=username, address=address, at=now, succeeded=False, refused=False)
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
    with unit_of_work(sessions) as session:
        retry_at = _retry_at(session, attempt_id, username, address, now, allowed, window)
        if retry_at is not None:
            session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(refused=True))
    return Verdict(attempt_id, retry_at)


def record_success(session: Session, attempt_id: int) -> None:
    """The attempt's password was right: it is no guess to count."""
    session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))


def _retry_at(
    session: Session, attempt_id: int, username: str, address: str, now: datetime, allowed: int, window: timedelta
) -> datetime | None:
    """When this attempt's account and address may try again, or None when they may try now."""
    limits: list[tuple[Sequence[ColumnElement[bool]], int]] = [
        ((LoginAttempt.username == username, LoginAttempt.address == address), allowed),
        ((LoginAttempt.address == address,), allowed * ADDRESS_WIDE_FACTOR),
    ]
    if not _known_address(session, username, address, now):
        limits.append(((LoginAttempt.username == username,), allowed * ACCOUNT_WIDE_FACTOR))
    moments = [_limit_reached(session, attempt_id, where, limit, now - window) for where, limit in limits]
    waits = [moment + window for moment in moments if moment is not None]
    return max(waits) if waits else None


def _limit_reached(
    session: Session, attempt_id: int, where: Sequence[ColumnElement[bool]], limit: int, since: datetime
) -> datetime | None:
    """The moment of the `limit`-th newest other guess within the window, if there are that many:
    once it leaves the window, fewer than `limit` remain and a guess is allowed again."""
    query = (
        select(LoginAttempt.at)
        .where(
            *where,
            LoginAttempt.at > since,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.refused.is_(False),
            LoginAttempt.id != attempt_id,
        )
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc())
        .offset(limit - 1)
        .limit(1)
    )
    return session.scalar(query)


def _known_address(session: Session, username: str, address: str, now: datetime) -> bool:
    query = select(LoginAttempt.id).where(
        LoginAttempt.username == username,
        LoginAttempt.address == address,
        LoginAttempt.succeeded.is_(True),
        LoginAttempt.at >= now - KNOWN_ADDRESS_FOR,
    )
    return session.scalar(query.limit(1)) is not None

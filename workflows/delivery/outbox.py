"""The delivery pass: outbox rows become people's messages in the application and, once each, e-mail.

Run by the job worker after the transactions that queued the rows have committed. Each row is
claimed in a transaction of its own (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's write lock
otherwise) and marked ``sending`` before anything is sent; the e-mail goes out after that commit,
and a second transaction marks it sent, or due again later, or failed after `max_attempts`. A
worker that dies between sending and marking leaves the row ``sending``: after `claim_timeout` it
is marked failed for an administrator to judge, never sent again on its own, so nobody gets a
message twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import format_datetime
from typing import cast

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from engine.clock import Clock
from workflows.delivery.mailer import Mailer, MailNotSent
from workflows.delivery.models import NotificationPreference, UserNotification
from workflows.delivery.recipients import outside_address, people
from workflows.notifications import FAILED, PENDING, SENDING, SENT, Notification
from workflows.orgchart.models import User

log = logging.getLogger("directive_flow.notifications")

#: Rows of these channels reach people (``website`` is a publication, not a message to anyone).
DELIVERED_CHANNELS = ("email", "internal")
#: The header naming the outbox row an e-mail was made from.
ROW_HEADER = "X-Directive-Flow-Notification"


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4, 8… minutes, at most an hour."""
    return min(timedelta(hours=1), timedelta(minutes=2 ** max(attempts - 1, 0)))


@dataclass
class DeliveryReport:
    """What one delivery pass did, by outbox row id."""

    sent: list[int] = field(default_factory=list)
    retrying: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Claim:
    row_id: int
    message: Message | None = None
    recipients: tuple[str, ...] = ()
    # Why the row failed at once (nobody to send it to), when it did.
    failure: str | None = None


@dataclass
class Delivery:
    """Delivers the outbox: one transaction per claim and per outcome; e-mail off when `mailer` is None."""

    sessions: Callable[[], Session]
    clock: Clock
    mailer: Mailer | None = None
    sender: str = "directive-flow@localhost"
    #: The application's address as people open it (https://…), for the links in e-mails.
    base_url: str = ""
    max_attempts: int = 5
    claim_timeout: timedelta = timedelta(minutes=15)
    batch: int = 200

    def run(self) -> DeliveryReport:
        """Deliver what is due now: at most `batch` rows."""
        report = DeliveryReport()
        self._give_up_lost_claims(report)
        for _ in range(self.batch):
            claim = self._claim()
            if claim is None:
                break
            if claim.failure is not None:
                report.failed.append((claim.row_id, claim.failure))
                continue
            if claim.message is None:
                report.sent.append(claim.row_id)
                continue
            assert self.mailer is not None  # a message is only made when there is a mailer
            try:
                refused = self.mailer.send(claim.message, list(claim.recipients))
            except MailNotSent as exc:
                self._not_sent(claim.row_id, exc.reason, report)
            else:
                self._sent(claim.row_id, refused, report)
        return report

    # -- one transaction each ---------------------------------------------------------------------

    def _claim(self) -> _Claim | None:
        now = self.clock.now()
        with self.sessions() as session:
            query = (
                select(Notification)
                .where(
                    Notification.status == PENDING,
                    Notification.channel.in_(DELIVERED_CHANNELS),
                    or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
                )
                .order_by(Notification.created_at, Notification.id)
                .limit(1)
            )
            if self.mailer is None:
                # Outside addressees have only e-mail: they wait until e-mail is set up.
                query = query.where(Notification.recipient_kind != "external")
            if session.get_bind().dialect.name == "postgresql":
                # Several workers: each takes a different row, none waits for another's.
                query = query.with_for_update(skip_locked=True)
            row = session.scalars(query).first()
            if row is None:
                return None
            claim = self._prepare(session, row, now)
            session.commit()
            return claim

    def _prepare(self, session: Session, row: Notification, now: datetime) -> _Claim:
        """Make the in-app messages (once) and decide the e-mail; the row is locked by the caller."""
        if row.recipient_kind == "external":
            address = outside_address(session, row)
            if address is None:
                row.status, row.last_error = FAILED, f"no e-mail address known for {row.recipient!r}"
                return _Claim(row.id, failure=row.last_error)
            recipients = [address]
        else:
            if row.fanned_out_at is None:
                _fan_out(session, row, now)
            recipients = _addresses(session, row.id) if self.mailer is not None and row.channel == "email" else []
        if not recipients:
            row.status, row.sent_at, row.claimed_at = SENT, now, None
            return _Claim(row.id)
        row.status, row.claimed_at = SENDING, now
        row.attempts += 1
        return _Claim(row.id, self._message(row, recipients, now), tuple(recipients))

    def _sent(self, row_id: int, refused: dict[str, str], report: DeliveryReport) -> None:
        now = self.clock.now()
        with self.sessions() as session:
            row = session.get(Notification, row_id)
            if row is not None:
                row.status, row.sent_at, row.claimed_at, row.next_attempt_at = SENT, now, None, None
                row.last_error = "refused: " + "; ".join(f"{a}: {e}" for a, e in refused.items()) if refused else None
                session.commit()
        report.sent.append(row_id)

    def _not_sent(self, row_id: int, reason: str, report: DeliveryReport) -> None:
        now = self.clock.now()
        with self.sessions() as session:
            row = session.get(Notification, row_id)
            if row is None:
                return
            row.last_error, row.claimed_at = reason, None
            if row.attempts >= self.max_attempts:
                row.status, row.next_attempt_at = FAILED, None
                report.failed.append((row_id, reason))
            else:
                row.status, row.next_attempt_at = PENDING, now + backoff(row.attempts)
                report.retrying.append((row_id, reason))
            session.commit()

    def _give_up_lost_claims(self, report: DeliveryReport) -> None:
        """Rows left ``sending`` by a worker that stopped: failed, for a person to judge (they may have gone)."""
        now = self.clock.now()
        reason = "the worker stopped while sending: the e-mail may or may not have gone"
        with self.sessions() as session:
            lost = list(
                session.scalars(
                    select(Notification.id).where(
                        Notification.status == SENDING, Notification.claimed_at < now - self.claim_timeout
                    )
                )
            )
            if not lost:
                return
            session.execute(
                update(Notification)
                .where(Notification.id.in_(lost), Notification.status == SENDING)
                .values(status=FAILED, last_error=reason, claimed_at=None)
            )
            session.commit()
        report.failed.extend((row_id, reason) for row_id in lost)

    # -- the e-mail -------------------------------------------------------------------------------

    def _message(self, row: Notification, recipients: list[str], now: datetime) -> Message:
        lines = [row.body]
        if row.link:
            lines += ["", f"Xem hồ sơ: {self.base_url.rstrip('/')}{row.link}"]
        if row.recipient_kind != "external":
            lines += [
                "",
                "--",
                "Thư do hệ thống tự động gửi. Thông báo của bạn và lựa chọn nhận thư điện tử: "
                f"{self.base_url.rstrip('/')}/notifications",
            ]
        # MIMEText and Header (not EmailMessage): the newer folding of a long Vietnamese subject into
        # encoded words drops the space where it breaks ("Văn hóaNghệ"); Header keeps every character.
        message = MIMEText("\n".join(lines), "plain", "utf-8")
        message["Subject"] = cast(str, Header(row.subject, "utf-8"))  # compat32 messages take a Header
        message["From"] = self.sender
        message["To"] = ", ".join(recipients)
        message["Date"] = format_datetime(now)
        domain = self.sender.rpartition("@")[2] or "localhost"
        # The same id on every attempt: a mail system that got it once may recognise a second copy.
        message["Message-ID"] = f"<notification-{row.id}@{domain}>"
        message[ROW_HEADER] = str(row.id)
        return message


def _fan_out(session: Session, row: Notification, now: datetime) -> None:
    """One message in the application for each person the row reaches."""
    for username in people(session, row):
        session.add(
            UserNotification(
                username=username,
                notification_id=row.id,
                created_at=row.created_at,
                subject=row.subject,
                body=row.body,
                link=row.link,
            )
        )
    row.fanned_out_at = now
    session.flush()


def _addresses(session: Session, row_id: int) -> list[str]:
    """The e-mail addresses of the row's people who have one and have not turned e-mail off."""
    query = (
        select(User.email)
        .join(UserNotification, UserNotification.username == User.username)
        .outerjoin(NotificationPreference, NotificationPreference.username == User.username)
        .where(
            UserNotification.notification_id == row_id,
            User.active.is_(True),
            User.email.is_not(None),
            User.email != "",
            or_(NotificationPreference.email_enabled.is_(None), NotificationPreference.email_enabled.is_(True)),
        )
        .distinct()
    )
    return sorted(str(address) for address in session.scalars(query))


def log_delivery(report: DeliveryReport) -> None:
    """One log line per pass that did something, and one per message not sent."""
    if report.sent or report.retrying or report.failed:
        log.info(
            "notifications sent: %d, to retry: %d, failed: %d",
            len(report.sent),
            len(report.retrying),
            len(report.failed),
        )
    for row_id, reason in report.retrying:
        log.warning("notification %d not sent, will retry: %s", row_id, reason)
    for row_id, reason in report.failed:
        log.error("notification %d failed: %s", row_id, reason)

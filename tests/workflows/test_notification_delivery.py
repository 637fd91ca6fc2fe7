"""Notifications reach people: the delivery pass turns outbox rows into messages in the application and
e-mail through a real SMTP server (aiosmtpd), once each, retrying while the server is down."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.clock import ManualClock
from tests.smtp_sink import SmtpSink, smtp_sink
from tests.workflows.lifecycle_helpers import notifications, officer_of, rehearsal, run_to_issue, session_of
from web.core.composition import Runtime
from workflows.delivery.failures import NotRetryable, send_again, troubled
from workflows.delivery.inbox import choose_email, unread_count
from workflows.delivery.mailer import SmtpMailer, SmtpSettings
from workflows.delivery.models import UserNotification
from workflows.delivery.outbox import ROW_HEADER, Delivery
from workflows.directive import reference_case as case
from workflows.directive.scenario import SPECIALIST
from workflows.notifications import FAILED, PENDING, SENDING, SENT, Notification, queue_notification
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import RoleAssignment, User

BASE_URL = "https://congvan.example"
SUPERVISOR = "giamsat"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A listening SMTP server."""
    with smtp_sink() as server:
        yield server


def delivery(runtime: Runtime, clock: ManualClock, sink: SmtpSink, *, max_attempts: int = 5) -> Delivery:
    """The delivery pass the job worker runs, sending to the test's SMTP server on the test's clock."""
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", sink.port, tls="none", sender="vanthu@so.example", timeout=5))
    return Delivery(
        runtime.sessions, clock, mailer, sender="vanthu@so.example", base_url=BASE_URL, max_attempts=max_attempts
    )


def email_of(runtime: Runtime, username: str) -> str:
    with session_of(runtime) as session:
        user = OrgDirectory(session).user(username)
        assert user is not None and user.email, username
        return user.email


def add_leader(runtime: Runtime, unit: str) -> str:
    """Give the unit a leader of its own (the sample chart's recipient units have none)."""
    with session_of(runtime) as session:
        session.add(
            User(
                username="ld.unit",
                full_name="Lãnh đạo đơn vị",
                initials="LĐ",
                position_title="Giám đốc",
                unit_code=unit,
                email="ld.unit@donvi.example",
            )
        )
        session.flush()
        session.add(RoleAssignment(username="ld.unit", role="leader", unit_code=unit))
    return "ld.unit"


def silent_unit_case(runtime: Runtime, clock: ManualClock) -> tuple[int, str]:
    """The reference directive issued; every unit reports on 15/3 except the last, which never acknowledges."""
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    officer = officer_of(runtime)
    *reporting, silent = units
    r.at("2023-03-09 15:00")
    for index, unit in enumerate(reporting):
        r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
        r.do(officer(unit), "report", case.unit_report(index, "2023-03-09"), unit=unit)
        r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
    assert r.case_id is not None
    return r.case_id, silent


def outside(runtime: Runtime, row_id: int) -> str:
    """The recipient of an outbox row."""
    with session_of(runtime) as session:
        row = session.get(Notification, row_id)
        assert row is not None
        return row.recipient


def unit_name(runtime: Runtime, code: str) -> str:
    with session_of(runtime) as session:
        unit = OrgDirectory(session).unit(code)
        assert unit is not None
        return unit.name


def test_escalation_reaches_supervisor_and_unit_leader_once_each_by_email_and_in_the_application(
    runtime: Runtime, clock: ManualClock, sink: SmtpSink
) -> None:
    """Past the deadline the silent unit's officer is reminded and its leader and the supervisor hear of it:
    one e-mail each, naming the case, step, unit and deadline with a link; a second pass sends nothing."""
    case_id, silent = silent_unit_case(runtime, clock)
    leader = add_leader(runtime, silent)
    r = rehearsal(runtime, clock)
    r.case_id = case_id
    r.at("2023-03-25 00:00")
    r.tick()
    escalations = [n for n in notifications(runtime, case_id) if n.kind == "escalation"]
    assert sorted(n.recipient for n in escalations) == [f"leader@{silent}", "supervisor"]

    report = delivery(runtime, clock, sink).run()
    assert not report.retrying
    # The (B/c) copy upward names a body whose e-mail address nobody gave: failed, for an administrator.
    assert [outside(runtime, row_id) for row_id, _ in report.failed] == ["Ban TG Tỉnh ủy LS"]

    name = unit_name(runtime, silent)
    for username in (SUPERVISOR, leader):
        [mail] = sink.to(email_of(runtime, username))
        assert name in mail.message["Subject"] and "24/03/2023" in mail.message["Subject"]
        assert "V/v " + case.SUBJECT in mail.text
        assert "Tiếp nhận công văn" in mail.text  # the step the unit is stuck at
        assert f"{BASE_URL}/cases/{case_id}" in mail.text
        assert silent not in mail.text  # the unit by its name, never its code
    officer = officer_of(runtime)(silent)
    [reminder] = sink.to(email_of(runtime, officer))
    assert "Nhắc hạn" in reminder.message["Subject"] and "hạn 24/03/2023" in reminder.text

    # Each outbox row went out as one message, and nothing goes out twice.
    rows = [item.message[ROW_HEADER] for item in sink.messages()]
    assert len(rows) == len(set(rows)) == 3
    assert delivery(runtime, clock, sink).run().sent == []
    clock.advance(timedelta(days=1))
    assert delivery(runtime, clock, sink).run().sent == []
    assert len(sink.messages()) == 3

    with session_of(runtime) as session:
        assert unread_count(session, SUPERVISOR) == 1
        assert unread_count(session, leader) == 1
        assert unread_count(session, officer) == 1
        [message] = session.scalars(select(UserNotification).where(UserNotification.username == SUPERVISOR))
        assert message.link == f"/cases/{case_id}" and name in message.body
        assert {n.status for n in session.scalars(select(Notification))} >= {SENT}


def test_a_server_down_at_the_first_attempt_gets_the_message_once_at_the_retry(
    runtime: Runtime, clock: ManualClock
) -> None:
    """No SMTP server at the first pass: the rows wait with the error, are not retried before their time,
    and once the server is up the retry delivers each exactly once."""
    case_id, silent = silent_unit_case(runtime, clock)
    r = rehearsal(runtime, clock)
    r.case_id = case_id
    r.at("2023-03-25 00:00")
    r.tick()
    with smtp_sink(started=False) as sink:
        first = delivery(runtime, clock, sink).run()
        assert first.sent == [] and len(first.retrying) == 2  # the reminder and the escalation
        with session_of(runtime) as session:
            waiting = session.scalars(select(Notification).where(Notification.status == PENDING)).all()
            assert all(row.attempts == 1 and row.last_error for row in waiting if row.channel != "website")
            assert {row.id for row in troubled(session) if row.status == PENDING} == {i for i, _ in first.retrying}
            # In the application they arrived already: only the e-mail waits.
            assert unread_count(session, SUPERVISOR) == 1

        sink.start()
        assert delivery(runtime, clock, sink).run().sent == []  # not due yet
        assert sink.messages() == []
        clock.advance(timedelta(minutes=1))
        second = delivery(runtime, clock, sink).run()
        assert sorted(second.sent) == sorted(row_id for row_id, _ in first.retrying)
        clock.advance(timedelta(hours=2))
        assert delivery(runtime, clock, sink).run().sent == []
        assert len(sink.to(email_of(runtime, SUPERVISOR))) == 1
        assert len(sink.to(email_of(runtime, officer_of(runtime)(silent)))) == 1
        assert len(sink.messages()) == 2
    with session_of(runtime) as session:
        assert unread_count(session, SUPERVISOR) == 1  # the retry made no second message in the application
        assert [row.recipient for row in troubled(session)] == ["Ban TG Tỉnh ủy LS"]  # the copy without address


def queue_for(runtime: Runtime, clock: ManualClock, username: str, text: str = "Thông báo thử") -> int:
    """An outbox row to one user, queued and committed as a script would."""
    with session_of(runtime) as session:
        row = queue_notification(
            session,
            created_at=clock.now(),
            channel="email",
            recipient_kind="user",
            recipient=username,
            kind="test",
            subject=text,
            body=text,
            link="/cases/1",
        )
        return row.id


def test_email_off_means_no_mail_but_the_message_in_the_application(
    runtime: Runtime, clock: ManualClock, sink: SmtpSink
) -> None:
    """A person who turned e-mail off gets none; the message waits for them in the application."""
    with session_of(runtime) as session:
        choose_email(session, SUPERVISOR, False, clock.now())
    queue_for(runtime, clock, SUPERVISOR)
    queue_for(runtime, clock, "giamdoc")
    assert len(delivery(runtime, clock, sink).run().sent) == 2
    assert sink.to(email_of(runtime, SUPERVISOR)) == []
    assert len(sink.to(email_of(runtime, "giamdoc"))) == 1
    with session_of(runtime) as session:
        assert unread_count(session, SUPERVISOR) == 1


def test_without_an_smtp_server_configured_messages_still_arrive_in_the_application(
    runtime: Runtime, clock: ManualClock
) -> None:
    """E-mail off for the whole installation (no SMTP host): the rows are delivered in the application."""
    row_id = queue_for(runtime, clock, SUPERVISOR)
    assert Delivery(runtime.sessions, clock, None).run().sent == [row_id]
    with session_of(runtime) as session:
        assert unread_count(session, SUPERVISOR) == 1
        row = session.get(Notification, row_id)
        assert row is not None and row.status == SENT and row.attempts == 0


def test_after_the_last_attempt_a_row_fails_and_an_administrator_sends_it_again(
    runtime: Runtime, clock: ManualClock
) -> None:
    """Attempts back off (1, 2 minutes…); after the last the row is failed; sent again it goes once."""
    row_id = queue_for(runtime, clock, SUPERVISOR)
    with smtp_sink(started=False) as sink:
        pass_ = delivery(runtime, clock, sink, max_attempts=3)
        assert [i for i, _ in pass_.run().retrying] == [row_id]
        clock.advance(timedelta(seconds=59))
        assert pass_.run().retrying == []  # the first wait is a minute
        clock.advance(timedelta(seconds=1))
        assert [i for i, _ in pass_.run().retrying] == [row_id]
        clock.advance(timedelta(minutes=2))
        assert [i for i, _ in pass_.run().failed] == [row_id]
        clock.advance(timedelta(days=1))
        assert pass_.run().failed == []  # failed for good: no more attempts on its own
        with session_of(runtime) as session:
            row = session.get(Notification, row_id)
            assert row is not None and row.status == FAILED and row.attempts == 3
            assert "ConnectionRefusedError" in (row.last_error or "")
            assert [r.id for r in troubled(session)] == [row_id]
        sink.start()
        with session_of(runtime) as session:
            send_again(session, row_id, "quantri", clock.now())
        assert pass_.run().sent == [row_id]
        assert pass_.run().sent == []
        assert len(sink.messages()) == 1
    with session_of(runtime) as session, pytest.raises(NotRetryable):
        send_again(session, row_id, "quantri", clock.now())  # sent: nothing to send again


def test_a_row_left_sending_by_a_worker_that_died_is_failed_not_sent_twice(
    runtime: Runtime, clock: ManualClock, sink: SmtpSink
) -> None:
    """A worker that stopped between sending and recording it may have sent: the row is failed for a person
    to judge, never sent again on its own."""
    row_id = queue_for(runtime, clock, SUPERVISOR)
    with session_of(runtime) as session:
        row = session.get(Notification, row_id)
        assert row is not None
        row.status, row.claimed_at, row.attempts = SENDING, clock.now(), 1
    pass_ = delivery(runtime, clock, sink)
    assert pass_.run().failed == []  # another worker may still be sending it
    clock.advance(timedelta(minutes=16))
    [(failed, reason)] = pass_.run().failed
    assert failed == row_id and "may or may not" in reason
    assert sink.messages() == []


def test_two_workers_at_once_send_each_row_once(runtime: Runtime, clock: ManualClock, sink: SmtpSink) -> None:
    """Two delivery passes racing over the same rows: every row is claimed by one of them only."""
    rows = [queue_for(runtime, clock, SUPERVISOR, f"Thông báo {n}") for n in range(12)]
    passes = [delivery(runtime, clock, sink), delivery(runtime, clock, sink)]
    sent: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def work(index: int) -> None:
        start.wait()
        sent[index] = passes[index].run().sent

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(sent[0] + sent[1]) == rows
    headers = sorted(int(item.message[ROW_HEADER]) for item in sink.messages())
    assert headers == rows
    with session_of(runtime) as session:
        made = session.scalar(select(func.count()).select_from(UserNotification))
        assert made == len(rows)


def add_officer(runtime: Runtime, unit: str, username: str) -> None:
    """A second officer in the unit."""
    with session_of(runtime) as session:
        session.add(
            User(
                username=username,
                full_name="Cán bộ thứ hai",
                initials="CB",
                position_title="Chuyên viên",
                unit_code=unit,
                email=f"{username}@donvi.example",
            )
        )
        session.flush()
        session.add(RoleAssignment(username=username, role="unit_officer", unit_code=unit))


def test_a_reminder_reaches_every_officer_of_the_unit_or_only_the_one_who_took_its_task(
    runtime: Runtime, clock: ManualClock, sink: SmtpSink
) -> None:
    """Before anyone took the unit's step both officers are reminded; once one took it, only they hear of
    a new deadline (the other officer is left alone)."""
    case_id, silent = silent_unit_case(runtime, clock)
    first = officer_of(runtime)(silent)
    add_officer(runtime, silent, "cb.thu.hai")
    r = rehearsal(runtime, clock)
    r.case_id = case_id
    r.at("2023-03-22 08:00")
    r.tick()
    delivery(runtime, clock, sink).run()
    assert len(sink.to(email_of(runtime, first))) == 1
    assert len(sink.to("cb.thu.hai@donvi.example")) == 1

    [task] = r.pending("acknowledge", unit=silent)
    with r.transaction() as engine:
        engine.claim(task.id, "cb.thu.hai")
    with session_of(runtime) as session:
        row = queue_notification(
            session,
            created_at=clock.now(),
            channel="email",
            recipient_kind="unit",
            recipient=silent,
            kind="reminder",
            subject="Nhắc lại",
            body="Nhắc lại",
            reference=f"case:{case_id}",
        )
        assert row.id
    delivery(runtime, clock, sink).run()
    assert len(sink.to("cb.thu.hai@donvi.example")) == 2
    assert len(sink.to(email_of(runtime, first))) == 1

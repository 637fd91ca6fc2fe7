"""The bell, the notifications page and the e-mail choice, and the administrators' failed deliveries, over HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import AuditEvent
from tests.smtp_sink import SmtpSink, smtp_sink
from tests.web.conftest import csrf_token
from web.core.composition import Runtime, build_delivery
from web.core.db import unit_of_work
from web.core.settings import Settings
from workflows.delivery.models import UserNotification
from workflows.notifications import FAILED, PENDING, Notification, queue_notification

Login = Callable[[str], FlaskClient]
SUPERVISOR = "giamsat"
BADGE = re.compile(r'<span class="badge" id="unread-count">(\d+)</span>')


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as server:
        yield server


def with_smtp(runtime: Runtime, sink: SmtpSink) -> Runtime:
    """The runtime with e-mail settings pointing at the test's SMTP server, read as the worker reads them."""
    settings = Settings.from_env(
        {**sink.environment, "BASE_URL": "https://congvan.example"}, instance_path=runtime.settings.instance_path
    )
    return Runtime(settings, runtime.db, runtime.sessions, runtime.services)


def queue(runtime: Runtime, clock: ManualClock, username: str, subject: str) -> int:
    with unit_of_work(runtime.sessions) as session:
        return queue_notification(
            session,
            created_at=clock.now(),
            channel="email",
            recipient_kind="user",
            recipient=username,
            kind="test",
            subject=subject,
            body=f"{subject}: nội dung",
            link="/cases/7",
        ).id


def badge(client: FlaskClient) -> int | None:
    found = BADGE.search(client.get("/").get_data(as_text=True))
    return int(found.group(1)) if found else None


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None, page: str = "/notifications") -> int:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={**(data or {}), "csrf_token": token}).status_code


def my_messages(runtime: Runtime, username: str) -> list[UserNotification]:
    with unit_of_work(runtime.sessions) as session:
        query = select(UserNotification).where(UserNotification.username == username).order_by(UserNotification.id)
        return list(session.scalars(query))


def test_email_off_sends_no_mail_but_the_bell_shows_the_message(
    runtime: Runtime, clock: ManualClock, login: Login, sink: SmtpSink
) -> None:
    """The supervisor turns e-mail off on the notifications page: the worker mails nothing, the bell says 1."""
    client = login(SUPERVISOR)
    assert badge(client) is None
    assert post(client, "/notifications/email", {}) == 302  # the box left unticked
    assert "không nhận thư điện tử" in client.get("/notifications").get_data(as_text=True)
    queue(runtime, clock, SUPERVISOR, "Quá hạn báo cáo")
    queue(runtime, clock, "giamdoc", "Quá hạn báo cáo")
    build_delivery(with_smtp(runtime, sink), clock).run()
    assert [item.recipients for item in sink.messages()] == [("giamdoc@langson.example",)]
    assert badge(client) == 1
    page = client.get("/notifications").get_data(as_text=True)
    assert "Quá hạn báo cáo" in page and 'href="/cases/7"' in page

    assert post(client, "/notifications/email", {"email": "on"}) == 302
    queue(runtime, clock, SUPERVISOR, "Nhắc hạn")
    build_delivery(with_smtp(runtime, sink), clock).run()
    [mail] = sink.to("giamsat@langson.example")
    assert mail.message["Subject"] == "Nhắc hạn"
    assert "https://congvan.example/cases/7" in mail.text
    assert badge(client) == 2


def test_the_page_lists_newest_first_in_pages_and_marks_only_my_own_read(
    runtime: Runtime, clock: ManualClock, login: Login
) -> None:
    """25 messages fill two pages, newest first; one is marked read, then all; another's id answers 404."""
    for n in range(25):
        queue(runtime, clock, SUPERVISOR, f"Thông báo số {n:02d}")
        clock.advance(timedelta(minutes=1))
    queue(runtime, clock, "giamdoc", "Của giám đốc")
    build_delivery(runtime, clock).run()  # e-mail off: no SMTP host in the test settings
    client = login(SUPERVISOR)
    assert badge(client) == 25
    first = client.get("/notifications").get_data(as_text=True)
    assert first.index("Thông báo số 24") < first.index("Thông báo số 05")
    assert "Thông báo số 04" not in first and "Của giám đốc" not in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert "Thông báo số 04" in second and "Thông báo số 00" in second and "Thông báo số 05" not in second

    mine = my_messages(runtime, SUPERVISOR)
    [theirs] = my_messages(runtime, "giamdoc")
    assert post(client, f"/notifications/{mine[0].id}/read") == 302
    assert badge(client) == 24
    assert post(client, f"/notifications/{theirs.id}/read") == 404
    assert my_messages(runtime, "giamdoc")[0].read_at is None
    assert client.post(f"/notifications/{mine[1].id}/read").status_code == 400  # no CSRF token
    assert post(client, "/notifications/read-all") == 302
    assert badge(client) is None
    assert my_messages(runtime, "giamdoc")[0].read_at is None  # "all" means all of mine


def test_administrators_see_failed_deliveries_and_send_them_again(
    runtime: Runtime, clock: ManualClock, login: Login
) -> None:
    """A row that failed is listed with the server's error for an administrator, who sends it again."""
    with smtp_sink(started=False) as sink:
        row_id = queue(runtime, clock, SUPERVISOR, "Thư không gửi được")
        delivery = build_delivery(with_smtp(runtime, sink), clock)
        delivery.max_attempts = 1
        assert [i for i, _ in delivery.run().failed] == [row_id]

        officer = login("cb.btls")
        assert officer.get("/notifications/failures").status_code == 403
        assert post(officer, f"/notifications/failures/{row_id}/retry") == 403
        officer.post("/logout", data={"csrf_token": csrf_token(officer.get("/").get_data(as_text=True))})

        admin = login("quantri")
        assert "Thông báo gửi không thành công" in admin.get("/notifications").get_data(as_text=True)
        page = admin.get("/notifications/failures").get_data(as_text=True)
        assert "Thư không gửi được" in page and "ConnectionRefusedError" in page
        assert post(admin, f"/notifications/failures/{row_id}/retry", page="/notifications/failures") == 302
        with unit_of_work(runtime.sessions) as session:
            row = session.get(Notification, row_id)
            assert row is not None and row.status == PENDING
            [event] = session.scalars(select(AuditEvent).where(AuditEvent.tag == "workflows:notification:sent_again"))
            assert event.actor == "quantri"
        sink.start()
        assert delivery.run().sent == [row_id]
        assert len(sink.to("giamsat@langson.example")) == 1
        assert "Thư không gửi được" not in admin.get("/notifications/failures").get_data(as_text=True)
        assert post(admin, f"/notifications/failures/{row_id}/retry", page="/notifications/failures") == 404
    with unit_of_work(runtime.sessions) as session:
        assert session.scalar(select(Notification.status).where(Notification.id == row_id)) != FAILED

"""`directive-flow serve` delivers notifications: its job worker mails a real SMTP server (aiosmtpd) and
people find the same messages under the bell."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import ServedApp, run_setup, served_database, start_server
from tests.smtp_sink import SmtpSink, smtp_sink
from tests.web.task_helpers import draft_changes
from workflows.delivery.outbox import ROW_HEADER
from workflows.directive import reference_case as case
from workflows.directive.scenario import CLERK, DIRECTOR, HEAD, SIGNER, SPECIALIST
from workflows.notifications import Notification
from workflows.orgchart.directory import OrgDirectory

SUBORDINATE_UNITS = ["don_vi_truc_thuoc_so"]
BASE_URL = "https://congvan.example"
WAIT_SECONDS = 60.0


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as server:
        yield server


@pytest.fixture
def mailing(tmp_path: Path, sink: SmtpSink) -> Iterator[ServedApp]:
    """`directive-flow serve` whose settings name the test's SMTP server."""
    with served_database(tmp_path) as (database, db):
        run_setup(tmp_path, database)
        with start_server(tmp_path, {**database, **sink.environment, "BASE_URL": BASE_URL}, db) as app:
            yield app


def issue_due_tomorrow(d: DirectiveOverHttp) -> list[str]:
    """The directive issued to the subordinate units with its report due on the next working day: the
    reminder (two working days before) is due at once."""
    d.register()
    d.do(DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": d.working_day(3)})
    draft = case.draft()
    draft["report_deadline"] = d.working_day(1)
    draft["recipient_groups"] = SUBORDINATE_UNITS
    d.do(SPECIALIST, "draft", draft_changes(draft))
    d.do(HEAD, "review_content", {"decision": "approve", "comment": ""})
    d.do(SIGNER, "sign", {"decision": "sign", "comment": ""})
    d.do(CLERK, "issue", {"issue_note": "Phát hành qua Hệ thống quản lý văn bản và điều hành."})
    return [row.candidate_unit or "" for row in d.ready("acknowledge")]


def test_the_served_job_worker_mails_each_reminder_once_and_the_bell_shows_it(
    mailing: ServedApp, sink: SmtpSink
) -> None:
    """Each unit's officer gets one e-mail naming the case, step, unit and deadline with a link, and the bell says 1."""
    d = DirectiveOverHttp(mailing)
    units = issue_due_tomorrow(d)
    assert len(units) > 2, d.state()
    officers: dict[str, tuple[str, str, str]] = {}
    with mailing.reading() as session:
        directory = OrgDirectory(session)
        for unit in units:
            [officer] = directory.holders("unit_officer", unit)
            user, found = directory.user(officer), directory.unit(unit)
            assert user is not None and user.email and found is not None
            officers[unit] = (officer, user.email, found.name)

    mailing.wait_until(
        lambda: len(sink.messages()) >= len(units),
        timeout=WAIT_SECONDS,
        what=lambda: f"{len(sink.messages())} e-mails arrived, {len(units)} expected\n{d.state()}",
    )

    def settled() -> bool:
        with mailing.reading() as session:
            statuses = session.scalars(select(Notification.status).where(Notification.kind == "reminder")).all()
        return len(statuses) == len(units) and set(statuses) == {"sent"}

    mailing.wait_until(settled, timeout=WAIT_SECONDS, what=lambda: "the reminders were not all marked sent")
    deadline = date.fromisoformat(d.working_day(1)).strftime("%d/%m/%Y")
    for unit, (_officer, address, name) in officers.items():
        [mail] = sink.to(address)
        assert name in mail.message["Subject"] and deadline in mail.message["Subject"]
        assert "Tiếp nhận công văn" in mail.text and case.SUBJECT in mail.text
        assert f"{BASE_URL}/cases/{d.case_id}" in mail.text
        assert unit not in mail.text
    headers = [item.message[ROW_HEADER] for item in sink.messages()]
    assert len(headers) == len(set(headers)) == len(units)

    officer = officers[units[0]][0]
    browser = d.browser(officer)
    home = browser.get("/")
    found = re.search(r'<span class="badge" id="unread-count">(\d+)</span>', home.text)
    assert found is not None and found.group(1) == "1", home.text[:3000]
    page = browser.get("/notifications")
    assert page.status == 200 and officers[units[0]][2] in page.text
    assert f'href="/cases/{d.case_id}"' in page.text

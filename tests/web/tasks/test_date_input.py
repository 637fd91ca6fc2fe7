"""Dates typed into the pages that the system cannot hold, and deadlines on days off: a message at the
field, never a server error, and nothing stored."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from engine.clock import ManualClock
from engine.models import ProcessInstance
from tests.web.conftest import csrf_token
from tests.web.task_helpers import draft_changes, field_block, fill, form_values, ready, submit, task_row
from tests.workflows.lifecycle_helpers import rehearsal, session_of
from web.core.composition import Runtime
from web.core.models import Attachment
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

Login = Callable[[str], FlaskClient]

RANGE_VI = "Ngày phải trong khoảng từ 01/01/1901 đến 31/12/2100"


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    return rehearsal(runtime, clock)


def _cases(runtime: Runtime) -> int:
    with session_of(runtime) as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance)) or 0


def _register(client: FlaskClient, changes: Mapping[str, Any]) -> TestResponse:
    page = client.get("/incoming/new")
    return client.post("/incoming/new", data=fill(form_values(page.get_data(as_text=True)), changes))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"incoming_date": "0001-01-01"}, "incoming_date"),
        ({"incoming_date": "0001-01-01", "incoming_received_date": "0001-01-01"}, "incoming_received_date"),
        ({"incoming_date": "1900-12-31"}, "incoming_date"),
    ],
    ids=["letter-in-year-1", "arrived-in-year-1", "letter-in-1900"],
)
def test_a_letter_date_out_of_range_opens_no_case(
    login: Login, runtime: Runtime, changes: dict[str, str], field: str
) -> None:
    """The clerk is told the range at the field and in the summary; no case, no arrival number."""
    response = _register(login("vanthu"), {**case.INCOMING, **changes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert RANGE_VI in field_block(page, f"f-{field}")
    label = {"incoming_date": "Ngày văn bản", "incoming_received_date": "Ngày đến"}[field]
    assert f'<a href="#f-{field}">{label}: {RANGE_VI}' in page
    assert _cases(runtime) == 0


@pytest.mark.parametrize("deadline", ["9999-12-31", "9999-12-30", "2101-01-03"])
def test_a_handling_deadline_in_year_9999_is_a_message_not_a_server_error(
    login: Login, r: Rehearsal, runtime: Runtime, deadline: str
) -> None:
    """31/12/9999 used to answer 500 (an OverflowError computing the task's due time)."""
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    task = ready(runtime, r.case_id or 0, "instruct")
    response = submit(login("giamdoc"), task.id, {**case.INSTRUCTION, "handling_deadline": deadline})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert RANGE_VI in field_block(page, "f-handling_deadline")
    assert f'<a href="#f-handling_deadline">Thời hạn giải quyết: {RANGE_VI}' in page
    assert task_row(runtime, task.id).state == "ready"


def test_a_sunday_deadline_is_refused_naming_the_next_working_day(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """Sunday 12/03/2023 as the handling deadline: refused at the field, Monday 13/03/2023 suggested."""
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    task = ready(runtime, r.case_id or 0, "instruct")
    client = login("giamdoc")
    response = submit(client, task.id, {**case.INSTRUCTION, "handling_deadline": "2023-03-12"})
    assert response.status_code == 422
    message = "Ngày 12/03/2023 là ngày nghỉ (Chủ nhật): chọn một ngày làm việc, ví dụ Thứ Hai 13/03/2023."
    assert message in field_block(response.get_data(as_text=True), "f-handling_deadline")
    assert task_row(runtime, task.id).state == "ready"
    assert submit(client, task.id, {**case.INSTRUCTION, "handling_deadline": "2023-03-13"}).status_code == 302


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        ("9999-12-31", RANGE_VI),
        ("2023-03-25", "Ngày 25/03/2023 là ngày nghỉ (Thứ Bảy): chọn một ngày làm việc, ví dụ Thứ Hai 27/03/2023."),
    ],
    ids=["year-9999", "saturday"],
)
def test_a_report_deadline_the_units_could_not_be_held_to_is_refused(
    login: Login, r: Rehearsal, runtime: Runtime, deadline: str, message: str
) -> None:
    """A report deadline of 31/12/9999 used to pass here and break the clerk's issue with a 500."""
    scenario.register_and_instruct(r)
    task = ready(runtime, r.case_id or 0, "draft")
    response = submit(login("cv.hvd"), task.id, draft_changes({**case.draft(), "report_deadline": deadline}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_block(page, "f-report_deadline")
    assert '<a href="#f-report_deadline">Hạn báo cáo: ' in page
    assert task_row(runtime, task.id).state == "ready"


def test_signing_a_draft_whose_report_deadline_has_passed_is_refused(
    login: Login, r: Rehearsal, runtime: Runtime
) -> None:
    """The signer opens the draft after its report deadline: 422, the message names "Hạn báo cáo", nothing signed."""
    scenario.register_and_instruct(r)
    r.do(scenario.SPECIALIST, "draft", case.draft())
    r.do(scenario.HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.at("2023-03-27 08:00")
    task = ready(runtime, r.case_id or 0, "sign")
    response = submit(login("pgd.hoa"), task.id, {"decision": "sign", "comment": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Hạn báo cáo trong dự thảo (24/03/2023) đã trước ngày hôm nay (27/03/2023)" in page
    assert '<a href="#f-decision">Quyết định: Hạn báo cáo trong dự thảo' in page
    assert task_row(runtime, task.id).state == "ready"
    assert "directive" not in r.data()


def test_the_message_in_english(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """After choosing English the same refusal reads in English."""
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    task = ready(runtime, r.case_id or 0, "instruct")
    client = login("giamdoc")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    client.post("/lang/en", data={"csrf_token": csrf_token(page), "next": f"/tasks/{task.id}"})
    response = submit(client, task.id, {**case.INSTRUCTION, "handling_deadline": "0001-01-01"})
    assert response.status_code == 422
    assert "The date must be between 01/01/1901 and 31/12/2100" in response.get_data(as_text=True)


# --- search, registers, attachments -------------------------------------------------------------


@pytest.mark.parametrize("typed", ["31/12/9999", "9999-12-31", "01/01/0001", "31/12/1900"])
def test_a_search_date_out_of_range_is_named_at_its_field(login: Login, runtime: Runtime, typed: str) -> None:
    """The search answers 200 with the range at the field, not a malformed-date message."""
    response = login("vanthu").get("/search", query_string={"to": typed})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="f-to-error"' in html and RANGE_VI in html and f'value="{typed}"' in html


@pytest.mark.parametrize("year", ["9999", "1", "99999999999999999999", "-5", "2101"])
def test_a_register_year_out_of_range_shows_this_year(login: Login, runtime: Runtime, year: str) -> None:
    """A year typed into the address that the product does not hold falls back to this year's book."""
    for book in ("incoming", "outgoing"):
        response = login("vanthu").get(f"/registers/{book}", query_string={"year": year})
        assert response.status_code == 200, book
        assert "năm 2023" in response.get_data(as_text=True), book


def test_an_attachment_dated_9999_is_refused_and_nothing_kept(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The document date of an uploaded file is refused with the range; no row, no file."""
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    client = login("vanthu")
    token = csrf_token(client.get(f"/cases/{r.case_id}").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "kind": "other",
        "doc_date": "31/12/9999",
        "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf"),
    }
    response = client.post(f"/cases/{r.case_id}/attachments", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    assert f"Ngày văn bản: {RANGE_VI}" in client.get(f"/cases/{r.case_id}").get_data(as_text=True)
    with session_of(runtime) as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0

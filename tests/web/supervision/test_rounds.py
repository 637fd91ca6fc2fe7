"""Đôn đốc from the unit table: the form, its preview, its checks, who may use it, and the case afterwards."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from engine.models import TaskRow
from tests.web.case_helpers import add_user, signed_in
from tests.web.conftest import csrf_token
from tests.workflows.lifecycle_helpers import officer_of, session_of
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import reminder_rounds as rounds
from workflows.orgchart.directory import OrgDirectory

SUPERVISOR, HEAD, SPECIALIST = "giamsat", case.PEOPLE["head"], case.PEOPLE["specialist"]


def _checked(html: str) -> list[str]:
    return re.findall(r'name="units" value="([^"]+)" checked', html)


def _names(runtime: Runtime, codes: list[str]) -> list[str]:
    with session_of(runtime) as session:
        directory = OrgDirectory(session)
        return [unit.name for code in codes if (unit := directory.unit(code)) is not None]


def _rounds(runtime: Runtime, case_id: int) -> list[rounds.ReminderRound]:
    with session_of(runtime) as session:
        return rounds.rounds_of(session, case_id)


def test_the_form_ticks_the_late_units_and_previews_the_letter(
    app: Flask, runtime: Runtime, late_case: tuple[int, list[str], list[str]]
) -> None:
    case_id, _on_time, late = late_case
    client = signed_in(app, SUPERVISOR)
    table = client.get(f"/supervision/cases/{case_id}/units").get_data(as_text=True)
    assert f'href="/supervision/cases/{case_id}/rounds/new"' in table
    page = client.get(f"/supervision/cases/{case_id}/rounds/new").get_data(as_text=True)
    assert sorted(_checked(page)) == sorted(late)
    assert 'name="working_days"' in page and 'value="5"' in page
    assert "Hạn mới: 03/04/2023" in page
    assert "V/v đôn đốc " in page and "(lần 2)" in page
    assert all(name in page for name in _names(runtime, late))
    # The changed choice is previewed without storing anything.
    preview = client.get(
        f"/supervision/cases/{case_id}/rounds/new", query_string={"units": late[:2], "working_days": "10"}
    ).get_data(as_text=True)
    assert sorted(_checked(preview)) == sorted(late[:2])
    assert "Hạn mới: 10/04/2023" in preview
    left_out = _names(runtime, late[2:3])[0]
    assert f"- {left_out}" not in preview
    assert _rounds(runtime, case_id) == []


def test_starting_a_round_opens_its_letter_in_the_lead_division_and_shows_in_the_trail(
    app: Flask, runtime: Runtime, late_case: tuple[int, list[str], list[str]]
) -> None:
    case_id, _on_time, late = late_case
    client = signed_in(app, HEAD)
    page = client.get(f"/supervision/cases/{case_id}/rounds/new").get_data(as_text=True)
    response = client.post(
        f"/supervision/cases/{case_id}/rounds/new",
        data={"csrf_token": csrf_token(page), "units": late[:3], "working_days": "5"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case_id}")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã bắt đầu đôn đốc lần 2: 3 đơn vị, hạn mới 03/04/2023." in shown
    assert "Bắt đầu đôn đốc lần 2: 3 đơn vị, hạn mới 03/04/2023" in shown
    (row,) = _rounds(runtime, case_id)
    assert (row.number, row.units, row.started_by) == (2, late[:3], HEAD)

    # The specialist finds the letter in their inbox, under the directive's case, and opens it.
    specialist = signed_in(app, SPECIALIST)
    inbox = specialist.get("/").get_data(as_text=True)
    assert "Dự thảo công văn đôn đốc" in inbox
    with session_of(runtime) as session:
        task = session.scalar(select(TaskRow).where(TaskRow.spec_name == "draft_round", TaskRow.state == "ready"))
        assert task is not None and task.case_id == case_id
        task_id = task.id
    task_page = specialist.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Công văn đôn đốc lần 2" in task_page and "03/04/2023" in task_page
    assert all(name in task_page for name in _names(runtime, late[:3]))
    assert 'name="letter_subject"' in task_page and 'name="letter_body"' in task_page
    # The round's instance is no case of its own in the lists.
    mine = client.get("/mine").get_data(as_text=True)
    assert f'href="/cases/{row.instance_id}"' not in mine


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"working_days": "5"}, "Đơn vị được đôn đốc: chọn ít nhất một đơn vị."),
        ({"working_days": "0", "units": "LATE"}, "Hạn mới (số ngày làm việc): nhập một số nguyên từ 1 đến 60."),
        ({"working_days": "61", "units": "LATE"}, "Hạn mới (số ngày làm việc): nhập một số nguyên từ 1 đến 60."),
        ({"working_days": "năm", "units": "LATE"}, "Hạn mới (số ngày làm việc): nhập một số nguyên từ 1 đến 60."),
        ({"working_days": "5", "units": "ON_TIME"}, "không nhận văn bản này hoặc đã hoàn thành"),
        ({"working_days": "5", "units": "NO_SUCH_UNIT"}, "NO_SUCH_UNIT không nhận văn bản này"),
    ],
)
def test_a_bad_choice_comes_back_with_the_field_named_and_nothing_is_stored(
    app: Flask,
    runtime: Runtime,
    late_case: tuple[int, list[str], list[str]],
    form: dict[str, str],
    message: str,
) -> None:
    case_id, on_time, late = late_case
    client = signed_in(app, SUPERVISOR)
    page = client.get(f"/supervision/cases/{case_id}/rounds/new").get_data(as_text=True)
    data = {**form, "csrf_token": csrf_token(page)}
    data["units"] = {"LATE": late[0], "ON_TIME": on_time[0]}.get(form.get("units", ""), form.get("units", ""))
    response = client.post(f"/supervision/cases/{case_id}/rounds/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _rounds(runtime, case_id) == []


def test_only_supervisors_and_the_lead_division_may_chase_and_every_post_needs_its_token(
    app: Flask, runtime: Runtime, late_case: tuple[int, list[str], list[str]]
) -> None:
    case_id, _on_time, late = late_case
    address = f"/supervision/cases/{case_id}/rounds/new"
    add_user(runtime, "cv.khac", "Người Phòng Khác", "QLDL", "specialist")
    officer = officer_of(runtime)(late[0])
    for username in (officer, "cv.khac"):
        client = signed_in(app, username)
        assert client.get(address).status_code == 403, username
        assert client.post(address, data={"units": late[0], "working_days": "5"}).status_code in (400, 403)
    assert signed_in(app, SPECIALIST).get(address).status_code == 200
    assert signed_in(app, SUPERVISOR).get("/supervision/cases/999999/rounds/new").status_code == 404
    no_token = signed_in(app, SUPERVISOR).post(address, data={"units": late[0], "working_days": "5"})
    assert no_token.status_code == 400
    assert _rounds(runtime, case_id) == []

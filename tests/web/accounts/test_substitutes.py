"""Người thay thế: naming a substitute on the page, the substitute's inbox, and the trail saying who acted for whom."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal
from tests.web.conftest import csrf_token
from tests.web.task_helpers import ready, submit
from web.accounts.users import DEMO_PASSWORD
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.orgchart.substitutes import Substitution

# Monday 6 March 2023 is the test clock's today.
NAMED = {"absent": "giamdoc", "substitute": "pgd.hoa", "from_date": "06/03/2023", "to_date": "08/03/2023"}


def _browser(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    page = client.get("/login").get_data(as_text=True)
    reply = client.post(
        "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)}
    )
    assert reply.status_code == 302
    return client


def _post(client: FlaskClient, fields: dict[str, str], path: str = "/substitutes") -> tuple[int, str]:
    token = csrf_token(client.get("/substitutes").get_data(as_text=True))
    reply = client.post(path, data={**fields, "reason": fields.get("reason", "Đi công tác"), "csrf_token": token})
    return reply.status_code, reply.get_data(as_text=True)


def _stored(runtime: Runtime) -> int:
    with unit_of_work(runtime.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(Substitution)) or 0)


def test_an_officer_names_a_substitute_and_cancels_it(app: Flask, runtime: Runtime) -> None:
    """The director names a deputy for three days from the page in his menu; listed as running; then cancelled."""
    director = _browser(app, "giamdoc")
    page = director.get("/").get_data(as_text=True)
    assert 'href="/substitutes"' in page and "Người thay thế" in page
    status, _ = _post(director, NAMED)
    assert status == 302
    listing = director.get("/substitutes").get_data(as_text=True)
    assert "Đã cử Phan Văn Hòa thay Lê Văn An từ 06/03/2023 đến 08/03/2023." in listing
    assert "Đang thay" in listing and "Đi công tác" in listing
    with unit_of_work(runtime.sessions) as session:
        (row,) = session.scalars(select(Substitution)).all()
        row_id = row.id
    # The substitute sees it too, but cannot cancel it; a stranger's cancel answers as a missing one.
    deputy = _browser(app, "pgd.hoa")
    assert "Lê Văn An" in deputy.get("/substitutes").get_data(as_text=True)
    assert _post(deputy, {}, f"/substitutes/{row_id}/cancel")[0] == 404
    assert _post(director, {}, f"/substitutes/{row_id}/cancel")[0] == 302
    assert "Chưa cử người thay thế nào." in director.get("/substitutes").get_data(as_text=True)


def test_bad_input_is_named_by_field_and_nothing_is_stored(app: Flask, runtime: Runtime) -> None:
    """Dates missing or malformed, a stranger named, someone else's substitute: each field says what is wrong."""
    specialist = _browser(app, "cv.hvd")
    status, page = _post(
        specialist, {"absent": "cv.hvd", "substitute": "cv.ntm", "from_date": "", "to_date": "31/02/2023"}
    )
    assert status == 422
    assert "Từ ngày: Cần nhập ngày (dd/mm/yyyy)." in page
    assert "Đến ngày: Ngày không hợp lệ: hãy nhập theo dạng dd/mm/yyyy." in page
    status, page = _post(specialist, {**NAMED, "absent": "cv.hvd", "substitute": "cb.btls", "from_date": "03/03/2023"})
    assert status == 422
    assert "Người thay thế: Người thay thế phải cùng đơn vị với người vắng mặt hoặc là lãnh đạo của đơn vị đó." in page
    assert "Từ ngày: Không được trước hôm nay (06/03/2023)." in page
    status, page = _post(specialist, {**NAMED, "to_date": "01/03/2023"})
    assert status == 422
    assert "Người vắng mặt: Bạn chỉ cử được người thay cho chính mình hoặc cho cán bộ đơn vị mình lãnh đạo." in page
    assert "Đến ngày: Không được trước “Từ ngày”." in page
    assert 'value="01/03/2023"' in page  # what was typed stays
    assert _stored(runtime) == 0


def test_the_division_head_names_one_for_his_specialist(app: Flask) -> None:
    """A leader chooses among the officers of his unit; the page refuses a second substitute for the same days."""
    head = _browser(app, "tp.qlvhgd")
    page = head.get("/substitutes").get_data(as_text=True)
    assert '<option value="cv.hvd"' in page
    named = {"absent": "cv.hvd", "substitute": "cv.ntm", "from_date": "07/03/2023", "to_date": "07/03/2023"}
    assert _post(head, named)[0] == 302
    status, page = _post(head, {**named, "substitute": "tp.qlvhgd"})
    assert status == 422
    assert "Từ ngày: Người vắng mặt đã có người thay (Nguyễn Thị Mai) từ 07/03/2023 đến 07/03/2023." in page


def test_the_substitute_sees_claims_and_completes_the_absent_directors_task(
    app: Flask, runtime: Runtime, clock: ManualClock
) -> None:
    """The instruction waits for the director; his deputy finds it marked "thay Lê Văn An", does it, and the
    case's trail reads "Phan Văn Hòa (thay Lê Văn An)"."""
    r = fast_rehearsal(runtime, clock)
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    task = ready(runtime, r.case_id or 0, "instruct")
    deputy = _browser(app, "pgd.hoa")
    assert task.id not in deputy.get("/").get_data(as_text=True)
    assert _post(_browser(app, "giamdoc"), NAMED)[0] == 302

    inbox = deputy.get("/").get_data(as_text=True)
    assert task.id in inbox and "(thay Lê Văn An)" in inbox
    token = csrf_token(inbox)
    assert deputy.post(f"/tasks/{task.id}/claim", data={"csrf_token": token}).status_code == 302
    assert submit(deputy, task.id, case.INSTRUCTION).status_code == 302
    trail = deputy.get(f"/cases/{r.case_id}").get_data(as_text=True)
    assert "Phan Văn Hòa (thay Lê Văn An)" in trail


def test_a_task_the_absent_officer_had_claimed_is_listed_apart_for_the_substitute(
    app: Flask, runtime: Runtime, clock: ManualClock
) -> None:
    """The director claimed the instruction before leaving: his deputy sees it under "Việc người vắng mặt đã nhận"."""
    r = fast_rehearsal(runtime, clock)
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    task = ready(runtime, r.case_id or 0, "instruct")
    director = _browser(app, "giamdoc")
    assert (
        director.post(
            f"/tasks/{task.id}/claim", data={"csrf_token": csrf_token(director.get("/").get_data(as_text=True))}
        ).status_code
        == 302
    )
    assert _post(director, NAMED)[0] == 302
    deputy = _browser(app, "pgd.hoa")
    inbox = deputy.get("/").get_data(as_text=True)
    assert "Việc người vắng mặt đã nhận" in inbox and task.id in inbox
    assert submit(deputy, task.id, case.INSTRUCTION).status_code == 302
    assert "Phan Văn Hòa (thay Lê Văn An)" in director.get(f"/cases/{r.case_id}").get_data(as_text=True)

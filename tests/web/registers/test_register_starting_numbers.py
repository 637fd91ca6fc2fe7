"""The registers page: the clerk (or an administrator) sets the year's first numbers once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.models import AuditEvent
from tests.web.conftest import csrf_token
from tests.web.task_helpers import fill, form_values
from tests.workflows.lifecycle_helpers import session_of
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.registers.models import IncomingDocument

Login = Callable[[str], FlaskClient]


def _set(client: FlaskClient, **fields: str) -> str:
    page = client.get("/registers/incoming?year=2023").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "year": "2023", "back": "incoming", **fields}
    response = client.post("/registers/starting-numbers", data=data)
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _arrival_numbers(runtime: Runtime) -> list[int]:
    with session_of(runtime) as session:
        return list(session.scalars(select(IncomingDocument.arrival_number).order_by(IncomingDocument.id)))


def test_the_clerk_continues_the_paper_register(login: Login, runtime: Runtime) -> None:
    clerk = login("vanthu")
    assert 'id="first_arrival"' in clerk.get("/registers/incoming?year=2023").get_data(as_text=True)

    page = _set(clerk, first_arrival="312", first_outgoing="57")

    assert "Sổ văn bản đến năm 2023 bắt đầu từ số 312." in page
    assert "Sổ văn bản đi năm 2023 bắt đầu từ số 57." in page
    assert 'id="first_arrival"' not in page  # set once: the form is gone
    form = clerk.get("/incoming/new").get_data(as_text=True)
    assert clerk.post("/incoming/new", data=fill(form_values(form), case.INCOMING)).status_code == 302
    assert _arrival_numbers(runtime) == [312]
    with session_of(runtime) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.tag == "workflows:register:starting_number_set"))
        assert sorted((e.actor, e.after["sequence"], e.after["first_number"]) for e in events) == [
            ("vanthu", "arrival", 312),
            ("vanthu", "outgoing", 57),
        ]


def test_a_second_setting_is_refused_with_the_reason(login: Login, runtime: Runtime) -> None:
    clerk = login("vanthu")
    _set(clerk, first_arrival="312")

    page = _set(clerk, first_arrival="400", first_outgoing="9")

    assert "Số bắt đầu của Sổ văn bản đến năm 2023 đã được đặt; chỉ đặt được một lần." in page
    # Neither register changed: the outgoing one is still open to a start of its own.
    assert 'id="first_outgoing"' in page


def test_setting_after_numbers_were_given_is_refused(login: Login, runtime: Runtime) -> None:
    clerk = login("vanthu")
    form = clerk.get("/incoming/new").get_data(as_text=True)
    assert clerk.post("/incoming/new", data=fill(form_values(form), case.INCOMING)).status_code == 302
    page = clerk.get("/registers/incoming?year=2023").get_data(as_text=True)
    assert 'id="first_arrival"' not in page

    page = _set(clerk, first_arrival="312")

    assert "Không thể đặt số bắt đầu của Sổ văn bản đến năm 2023: đã cấp số đến số 1 trong năm." in page
    assert _arrival_numbers(runtime) == [1]


@pytest.mark.parametrize("typed", ["0", "-5", "12a", "²", "1000001"])
def test_a_bad_number_is_refused(login: Login, typed: str) -> None:
    page = _set(login("vanthu"), first_arrival=typed)
    assert "Số bắt đầu phải là số nguyên từ 1 đến 1000000." in page
    assert 'id="first_arrival"' in page


def test_only_the_clerk_or_an_administrator_sets_them(login: Login) -> None:
    director = login("giamdoc")
    page = director.get("/registers/incoming?year=2023").get_data(as_text=True)
    assert 'id="first_arrival"' not in page
    data = {"csrf_token": csrf_token(page), "year": "2023", "first_arrival": "312"}
    assert director.post("/registers/starting-numbers", data=data).status_code == 403

    admin = login("quantri")
    page = admin.get("/registers/incoming?year=2023").get_data(as_text=True)
    assert 'id="first_arrival"' in page

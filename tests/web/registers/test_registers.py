"""Sổ đăng ký văn bản đến / đi: the books of one year, for the clerk and those who oversee the agency."""

from __future__ import annotations

import pytest
from flask import Flask

from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal, signed_in
from tests.workflows.lifecycle_helpers import officer_of
from tests.workflows.reference_text import visible_lines
from web.core.composition import Runtime
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    return fast_rehearsal(runtime, clock)


def _row(lines: list[str], first: str) -> list[str]:
    start = lines.index(first)
    return lines[start : start + 10]


def test_the_books_of_a_finished_case(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """Arrival 1 handled by QLVH&GĐ by 10/3 and closed by report 02/BC-SVHTTDL; both letters it issued."""
    scenario.run_reference_case(r, officer_of(runtime))
    clerk = signed_in(app, "vanthu")

    page = clerk.get("/registers/incoming?year=2023")

    assert page.status_code == 200
    lines = visible_lines(page.get_data(as_text=True))
    assert "Sổ đăng ký văn bản đến năm 2023" in lines
    assert _row(lines, "06/03/2023")[1:] == [
        "1",
        "Ban Tuyên giáo Tỉnh ủy",
        "2104-CV/BTGTU",
        "03/03/2023",
        lines[lines.index("2104-CV/BTGTU") + 2],
        "Phòng Quản lý Văn hóa và Gia đình",
        "10/03/2023",
        "Đã giải quyết 29/03/2023",
        "02/BC-SVHTTDL",
    ]
    assert f'href="/cases/{r.case_id}"' in page.get_data(as_text=True)

    lines = visible_lines(clerk.get("/registers/outgoing?year=2023").get_data(as_text=True))
    directive = lines[lines.index("01/SVHTTDL-QLVHGĐ") : lines.index("01/SVHTTDL-QLVHGĐ") + 6]
    assert directive[1] == "09/03/2023"
    assert directive[2].startswith("Công văn · Đẩy mạnh thông tin")
    assert directive[3] == "KT. Phan Văn Hòa"
    assert directive[4].startswith("Các đơn vị trực thuộc Sở;") and directive[4].endswith("Trang TTĐT Sở")
    report = lines[lines.index("02/BC-SVHTTDL") : lines.index("02/BC-SVHTTDL") + 6]
    assert report[2].startswith("Báo cáo · Kết quả thực hiện Công văn số 2104-CV/BTGTU")
    assert report[4] == "Ban Tuyên giáo Tỉnh ủy"


def test_a_letter_past_its_deadline_shows_as_late(app: Flask, r: Rehearsal) -> None:
    scenario.register_and_instruct(r)
    r.at("2023-03-13 09:00")  # the deadline was 10/3

    page = signed_in(app, "giamdoc").get("/registers/incoming?year=2023").get_data(as_text=True)

    assert '<tr class="overdue">' in page
    assert "Quá hạn" in visible_lines(page)


def test_only_the_clerk_and_those_who_oversee_read_the_books(app: Flask, r: Rehearsal) -> None:
    scenario.register_and_instruct(r)

    for username in ("vanthu", "giamdoc", "pgd.hoa", "giamsat", "kiemtra"):
        client = signed_in(app, username)
        assert client.get("/registers/incoming").status_code == 200, username
        assert client.get("/registers/outgoing").status_code == 200, username
        assert 'href="/registers/incoming"' in client.get("/").get_data(as_text=True), username
    for username in ("cv.hvd", "tp.qlvhgd", "cb.btls"):
        client = signed_in(app, username)
        assert client.get("/registers/incoming").status_code == 403, username
        assert client.get("/registers/outgoing").status_code == 403, username
        assert 'href="/registers/incoming"' not in client.get("/").get_data(as_text=True), username


def test_a_year_without_letters_and_a_year_that_is_not_one(app: Flask, r: Rehearsal) -> None:
    scenario.register_and_instruct(r)
    clerk = signed_in(app, "vanthu")

    empty = clerk.get("/registers/outgoing?year=2019")
    odd = clerk.get("/registers/incoming?year=abc")

    assert empty.status_code == 200
    assert "Chưa có văn bản đi nào trong năm 2019." in visible_lines(empty.get_data(as_text=True))
    assert odd.status_code == 200
    assert "Sổ đăng ký văn bản đến năm 2023" in visible_lines(odd.get_data(as_text=True))

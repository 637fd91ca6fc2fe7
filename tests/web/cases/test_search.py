"""Văn bản của tôi and the search: by number, subject (with or without diacritics), issuer and arrival date,
over the cases the person may see and no others."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from engine.clock import ManualClock
from tests.web.case_helpers import draft_returned_then_issued, fast_rehearsal, signed_in
from web.core.composition import Runtime
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

OTHER_LETTER = {
    "incoming_issuer": "Ủy ban nhân dân tỉnh Lạng Sơn",
    "incoming_number": "415/UBND-KGVX",
    "incoming_date": "2023-04-07",
    "incoming_subject": "Tổ chức các hoạt động kỷ niệm Ngày Sách và Văn hóa đọc Việt Nam",
    "urgency": "khan",
    "incoming_received_date": "2023-04-10",
}


@pytest.fixture
def cases(runtime: Runtime, clock: ManualClock) -> tuple[int, int]:
    """The reference case issued to the Sở's own units (arrived 06/03/2023); a second letter registered 10/04/2023."""
    first = fast_rehearsal(runtime, clock)
    draft_returned_then_issued(first, groups=["don_vi_truc_thuoc_so"])
    first.at("2023-03-09 15:00")
    first.do("cb.btls", "acknowledge", {"acknowledge_note": ""}, unit="BTLS")
    second: Rehearsal = fast_rehearsal(runtime, clock)
    second.at("2023-04-10 08:30")
    second.start("directive_lifecycle", scenario.CLERK)
    second.do(scenario.CLERK, "register_incoming", OTHER_LETTER)
    return first.case_id or 0, second.case_id or 0


def _found(html: str) -> set[int]:
    """The case ids a result list links to."""
    return {int(n) for n in re.findall(r'href="/cases/(\d+)"', html)}


def test_my_documents_lists_the_cases_i_took_part_in(app: Flask, cases: tuple[int, int]) -> None:
    """The clerk started both; the specialist drafted the first only; the museum acknowledged the first."""
    first, second = cases
    clerk = signed_in(app, "vanthu").get("/mine").get_data(as_text=True)
    assert _found(clerk) == {first, second}
    # Newest first, with the current step of each.
    assert clerk.index(f'href="/cases/{second}"') < clerk.index(f'href="/cases/{first}"')
    assert "Ý kiến chỉ đạo" in clerk
    specialist = signed_in(app, "cv.hvd").get("/mine").get_data(as_text=True)
    assert _found(specialist) == {first}
    museum = signed_in(app, "cb.btls").get("/mine").get_data(as_text=True)
    assert _found(museum) == {first}
    assert "Triển khai và báo cáo" in museum and "Tiếp nhận công văn" not in museum  # not the other units' steps
    assert _found(signed_in(app, "cb.tvls").get("/mine").get_data(as_text=True)) == set()


SEARCHES = [
    ("number=2104", "first"),
    ("number=01%2FSVHTTDL", "first"),
    ("number=415%2FUBND", "second"),
    ("subject=tham+nhung", "first"),
    ("subject=Tham+nh%C5%A9ng", "first"),
    ("subject=van+hoa+doc", "second"),
    ("issuer=ban+tuyen+giao", "first"),
    ("issuer=%E1%BB%A6y+ban+nh%C3%A2n+d%C3%A2n", "second"),
    ("from=01%2F04%2F2023", "second"),
    ("to=2023-03-31", "first"),
    ("from=06%2F03%2F2023&to=06%2F03%2F2023", "first"),
    ("from=2023-03-01&to=2023-04-30", "both"),
    ("number=2104&issuer=uy+ban", "none"),
]


def test_search_by_number_subject_issuer_and_date(app: Flask, cases: tuple[int, int]) -> None:
    """The clerk, who sees both cases, finds each by what identifies it."""
    first, second = cases
    client = signed_in(app, "vanthu")
    for query, expected in SEARCHES:
        wanted = {"first": {first}, "second": {second}, "both": {first, second}, "none": set()}[expected]
        response = client.get(f"/search?{query}")
        assert response.status_code == 200, query
        assert _found(response.get_data(as_text=True)) == wanted, query


def test_a_bad_date_is_named_next_to_its_field(app: Flask, cases: tuple[int, int]) -> None:
    """An impossible or unreadable date answers 200 with a Vietnamese message at the field, and no results."""
    client = signed_in(app, "vanthu")
    for bad in ("31/02/2023", "hôm qua", "2023-13-01", "3/2023"):
        response = client.get("/search", query_string={"from": bad})
        assert response.status_code == 200, bad
        html = response.get_data(as_text=True)
        assert 'id="f-from-error"' in html and "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy" in html, bad
        assert 'aria-invalid="true"' in html and f'value="{bad}"' in html, bad
        assert _found(html) == set(), bad


def test_an_end_before_the_start_is_refused(app: Flask, cases: tuple[int, int]) -> None:
    """A range that ends before it starts is named at the end field."""
    html = signed_in(app, "vanthu").get("/search?from=10%2F04%2F2023&to=01%2F03%2F2023").get_data(as_text=True)
    assert 'id="f-to-error"' in html and "Ngày kết thúc phải sau ngày bắt đầu." in html


VISIBILITY = [
    ("giamdoc", "both"),  # directs every case of the Sở
    ("kiemtra", "both"),  # audits every case
    ("cv.hvd", "first"),  # drafted the first; the second has not reached the division
    ("tp.qlvhgd", "first"),
    ("cb.btls", "first"),  # a recipient of the first
    ("cb.pvhtt.tplangson", "none"),  # not a recipient
    ("vp.thethuc", "none"),  # no format check was asked
]


def test_results_never_include_cases_i_may_not_see(app: Flask, cases: tuple[int, int]) -> None:
    """Whatever is asked, the results hold only cases the person may open."""
    first, second = cases
    for username, visible in VISIBILITY:
        wanted = {"first": {first}, "both": {first, second}, "none": set()}[visible]
        client = signed_in(app, username)
        assert _found(client.get("/search").get_data(as_text=True)) == wanted, username
        assert _found(client.get("/search?number=415").get_data(as_text=True)) == wanted & {second}, username
        assert _found(client.get("/search?subject=tham+nhung").get_data(as_text=True)) == wanted & {first}, username
        for case_id in {first, second} - wanted:
            assert client.get(f"/cases/{case_id}").status_code == 404, username

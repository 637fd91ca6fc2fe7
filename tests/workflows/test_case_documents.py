"""The documents a case produces, driven through the lifecycle: the directive and the report upward."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.clock import ManualClock
from tests.workflows.lifecycle_helpers import officer_of, rehearsal, session_of
from tests.workflows.reference_text import assert_in_order, seed_lines, visible_lines
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.case_documents import DIRECTIVE, REPORT, CaseDocument, case_document
from workflows.directive.rehearsal import Rehearsal
from workflows.directive.rendering import render_html
from workflows.directive.report_draft import figures_sentence
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import RoleAssignment, User

FIGURES = ("articles", "banners", "sessions", "participants", "online_posts")


def _document(runtime: Runtime, r: Rehearsal, kind: Any = DIRECTIVE) -> CaseDocument | None:
    assert r.case_id is not None
    with session_of(runtime) as session:
        return case_document(session, r.case_id, r.data(), kind)


def test_no_directive_before_the_draft_step_is_done(runtime: Runtime, clock: ManualClock) -> None:
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)

    assert _document(runtime, r) is None


def test_the_signed_draft_of_the_reference_case_reads_as_the_reference_document(
    runtime: Runtime, clock: ManualClock
) -> None:
    """Drafted with a return and a redraft, approved and signed: the last draft is the reference text."""
    seed = seed_lines()
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=True)

    found = _document(runtime, r)

    assert found is not None and found.issued is None
    lines = visible_lines(render_html(found.document))
    assert_in_order(seed, lines)
    # The header blocks, which the reference text lost, come first.
    assert lines[:4] == [
        "UBND TỈNH LẠNG SƠN",
        "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    # The redraft (8 March) restored task 4, which the first draft had left out.
    assert "4. " + case.TASKS[3] in lines


def test_the_issued_directive_has_the_number_and_day_the_clerk_gave(runtime: Runtime, clock: ManualClock) -> None:
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=False)
    scenario.issue(r)

    found = _document(runtime, r)

    assert found is not None and found.issued is not None
    assert found.document.number_line == "Số: 01/SVHTTDL-QLVHGĐ"
    assert found.document.date_line == "Lạng Sơn, ngày 09 tháng 3 năm 2023"
    assert found.document.file_stem == "01_SVHTTDL-QLVHGĐ"


def _issue_one(r: Rehearsal, signed: str, issued: str) -> None:
    """One directive through the lifecycle, signed on `signed` and issued by the clerk on `issued`."""
    r.at(f"{signed} 08:00")
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", {**case.INCOMING, "incoming_received_date": signed})
    r.do(scenario.DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": "2024-01-31"})
    r.do(scenario.SPECIALIST, "draft", {**case.draft(), "report_deadline": "2024-01-31"})
    r.do(scenario.HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.do(scenario.SIGNER, "sign", {"decision": "sign", "comment": ""})
    r.at(f"{issued} 08:00")
    r.do(scenario.CLERK, "issue", {"issue_note": ""})


def test_numbers_restart_at_01_in_the_new_year(runtime: Runtime, clock: ManualClock) -> None:
    """Two directives issued in late December 2023 take 01 and 02; one signed on 29/12 and issued on
    2/1/2024 (1 January is a holiday) takes 01 of 2024, and its page shows the new year's date."""
    numbers = []
    for signed, issued in (("2023-12-27", "2023-12-27"), ("2023-12-28", "2023-12-28"), ("2023-12-29", "2024-01-02")):
        r = rehearsal(runtime, clock)
        _issue_one(r, signed, issued)
        found = _document(runtime, r)
        assert found is not None
        numbers.append((found.document.number_line, found.document.date_line))

    assert numbers == [
        ("Số: 01/SVHTTDL-QLVHGĐ", "Lạng Sơn, ngày 27 tháng 12 năm 2023"),
        ("Số: 02/SVHTTDL-QLVHGĐ", "Lạng Sơn, ngày 28 tháng 12 năm 2023"),
        ("Số: 01/SVHTTDL-QLVHGĐ", "Lạng Sơn, ngày 02 tháng 01 năm 2024"),
    ]


def _signer(runtime: Runtime, username: str, title: str, signs_as: str | None) -> None:
    """A leader of the Sở with this title, who signs with this mark (as the org chart would say)."""
    with session_of(runtime) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, full_name="Lý Văn Tâm", initials="LVT", position_title=title, unit_code="VP")
            session.add(user)
            session.flush()  # no relationship() orders the two inserts: the user must exist first
            session.add(RoleAssignment(username=username, role="leader", unit_code="SVHTTDL"))
        user.position_title, user.signs_as = title, signs_as


@pytest.mark.parametrize(
    ("username", "title", "signs_as", "block"),
    [
        ("pgd.lan", "Phó Giám đốc", "Q.", ("Q. GIÁM ĐỐC",)),
        ("cvp", "Chánh Văn phòng", "TL.", ("TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG")),
        ("cvp", "Chánh Văn phòng", "TUQ.", ("TUQ. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG")),
        ("pgd.lan", "Phó Giám đốc", None, ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")),
    ],
)
def test_the_signature_block_follows_the_signers_authority_in_the_org_chart(
    runtime: Runtime, clock: ManualClock, username: str, title: str, signs_as: str | None, block: tuple[str, ...]
) -> None:
    """Who signs, and with what authority, is data: the register keeps the mark the letter was signed with."""
    _signer(runtime, username, title, signs_as)
    r = rehearsal(runtime, clock)
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    r.do(scenario.DIRECTOR, "instruct", {**case.INSTRUCTION, "signer": username})
    r.do(scenario.SPECIALIST, "draft", case.draft())
    r.do(scenario.HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.do(username, "sign", {"decision": "sign", "comment": ""})
    r.do(scenario.CLERK, "issue", {"issue_note": ""})

    found = _document(runtime, r)

    assert found is not None and found.issued is not None
    assert found.issued.signer_capacity == (signs_as or "KT.")
    assert found.document.signature_titles == block


@pytest.fixture
def finished(runtime: Runtime, clock: ManualClock) -> tuple[Rehearsal, scenario.Outcome]:
    r = rehearsal(runtime, clock)
    return r, scenario.run_reference_case(r, officer_of(runtime))


def test_the_report_upward_is_drafted_from_the_unit_reports(
    runtime: Runtime, finished: tuple[Rehearsal, scenario.Outcome]
) -> None:
    """Figures summed, every unit's narrative under its name, the late unit named; numbered on issue."""
    r, outcome = finished
    data = r.data()

    found = _document(runtime, r, REPORT)

    assert found is not None and found.issued is not None
    document = found.document
    assert document.title == "BÁO CÁO"
    assert document.number_line == "Số: 02/BC-SVHTTDL"
    assert document.date_line == "Lạng Sơn, ngày 29 tháng 3 năm 2023"
    assert document.subject_line.startswith(
        "Kết quả thực hiện Công văn số 2104-CV/BTGTU ngày 03/3/2023 của Ban Tuyên giáo Tỉnh ủy về việc đẩy mạnh"
    )
    assert document.kinh_gui == ("Kính gửi: Ban Tuyên giáo Tỉnh ủy.",)
    text = "\n".join(document.paragraphs)
    assert "đã ban hành Công văn số 01/SVHTTDL-QLVHGĐ ngày 09/3/2023 đề nghị 29 đơn vị" in text
    totals = {name: data["report_totals"][name] for name in FIGURES}
    assert f"2. Số liệu tổng hợp: {figures_sentence(totals)}." in document.paragraphs
    assert "29/29 đơn vị đã gửi báo cáo; 1 đơn vị báo cáo sau thời hạn" in text
    unit_lines = [p for p in document.paragraphs if p.startswith("- ")]
    assert len(unit_lines) == 29
    with session_of(runtime) as session:
        names = {code: OrgDirectory(session).unit(code) for code in outcome.units}
    for code, unit in names.items():
        assert unit is not None
        assert any(line.startswith(f"- {unit.short_name} (Báo cáo số ") for line in unit_lines), code
    # What the specialist added to the draft is kept.
    assert scenario.ASSESSMENT in document.paragraphs
    assert document.signature_titles == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert document.distribution[-1] == "- Lưu: VT, QLVH&GĐ(HVĐ)."


def test_the_sum_in_the_report_is_the_sum_of_the_units_figures(finished: tuple[Rehearsal, scenario.Outcome]) -> None:
    r, _ = finished
    data = r.data()
    reports = data["unit_reports"]

    expected = {name: sum(int(rep["figures"][name]) for rep in reports) for name in FIGURES}

    assert f"Số liệu tổng hợp: {figures_sentence(expected)}." in data["report_body"]
    assert expected["participants"] > 1000
    assert f"{expected['participants'] // 1000}." in figures_sentence(expected)

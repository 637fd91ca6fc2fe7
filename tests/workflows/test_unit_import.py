"""Importing units from a spreadsheet: a preview of every row, then one transaction and one audit event.

The units are the invented district's (tests/workflows/district_org.py): new communes and a school
under its committee, one division renamed, one row unchanged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import AuditEvent
from tests.workflows import district_org as district
from workflows.orgchart.loader import load_org_chart
from workflows.orgchart.models import Unit
from workflows.orgchart.unit_import import (
    AUDIT_TAG,
    NEW,
    SAME,
    UPDATE,
    UnitImportInvalid,
    apply_import,
    preview_import,
)
from workflows.orgchart.unit_import_files import read_table

AT = datetime(2024, 5, 2, 3, 0, tzinfo=UTC)
HEADER = "Mã đơn vị;Tên đơn vị;Loại đơn vị;Đơn vị cấp trên;Thư điện tử;Hiệu lực từ;Hiệu lực đến"
GOOD = "\n".join(
    [
        HEADER,
        "XA_TANLAP;Ủy ban nhân dân xã Tân Lập;commune;UBND_DX;ubnd.tanlap@dongxuyen.example;01/01/2025;",
        # A school whose parent, a new commune, comes later in the file.
        "MN_HOALAN;Trường mầm non Hoa Lan;school;XA_HOABINH;;01/01/2025;",
        "XA_HOABINH;Ủy ban nhân dân xã Hòa Bình;Ủy ban nhân dân xã, thị trấn;UBND_DX;;1/7/2025;31/12/2030",
        "NNMT;Phòng Nông nghiệp, Môi trường và Khuyến nông;division;UBND_DX;;01/07/2021;",
        "VPHU;Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện;division;UBND_DX;;01/07/2021;",
    ]
)


@pytest.fixture
def district_chart(db_session: Session) -> Session:
    load_org_chart(db_session, district.CHART_FILE)
    return db_session


def _csv(text: str, *, bom: bool = True) -> bytes:
    return ("\ufeff" if bom else "").encode() + text.replace("\n", "\r\n").encode()


def _units(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Unit)) or 0


def _events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.tag == AUDIT_TAG).order_by(AuditEvent.id)))


def test_the_preview_says_what_each_row_does_and_applying_stores_it_with_one_event(district_chart: Session) -> None:
    session = district_chart
    table = read_table("don_vi.csv", _csv(GOOD))
    preview = preview_import(session, table)
    assert preview.ok, [str(p) for p in preview.problems]
    assert [(row.line, row.code, row.action) for row in preview.rows] == [
        (2, "XA_TANLAP", NEW),
        (3, "MN_HOALAN", NEW),
        (4, "XA_HOABINH", NEW),
        (5, "NNMT", UPDATE),
        (6, "VPHU", SAME),
    ]
    assert preview.rows[3].changes == {
        "name": ("Phòng Nông nghiệp và Môi trường", "Phòng Nông nghiệp, Môi trường và Khuyến nông")
    }
    assert _units(session) == len(district.CHART["units"])  # the preview stored nothing

    apply_import(session, table, actor=district.ADMIN, at=AT)
    hoa_binh = session.scalars(select(Unit).where(Unit.code == "XA_HOABINH")).one()
    assert (hoa_binh.kind, hoa_binh.parent_code, hoa_binh.notation, hoa_binh.short_name) == (
        "commune",
        "UBND_DX",
        "XA_HOABINH",
        "Ủy ban nhân dân xã Hòa Bình",
    )
    assert (hoa_binh.valid_from, hoa_binh.valid_to) == (date(2025, 7, 1), date(2030, 12, 31))
    assert session.scalars(select(Unit.parent_code).where(Unit.code == "MN_HOALAN")).one() == "XA_HOABINH"
    [event] = _events(session)
    assert event.actor == district.ADMIN and event.at == AT
    assert event.after == {
        "file": "don_vi.csv",
        "changes": {
            "unit": {
                "created": ["XA_TANLAP", "XA_HOABINH", "MN_HOALAN"],
                "updated": {
                    "NNMT": {
                        "name": ["Phòng Nông nghiệp và Môi trường", "Phòng Nông nghiệp, Môi trường và Khuyến nông"]
                    }
                },
            }
        },
    }

    again = apply_import(session, read_table("don_vi.csv", _csv(GOOD)), actor=district.ADMIN, at=AT)
    assert {row.action for row in again.rows} == {SAME}
    assert len(_events(session)) == 1  # nothing changed, nothing recorded


BAD_ROWS: list[tuple[str, str]] = [
    (";Không mã;commune;UBND_DX;;01/01/2025;", "Dòng {n}, cột Mã đơn vị: Không được để trống."),
    ("XA MOI;Xã mới;commune;UBND_DX;;01/01/2025;", "Dòng {n}, cột Mã đơn vị: “XA MOI”: chỉ gồm chữ không dấu"),
    ("XA_A;;commune;UBND_DX;;01/01/2025;", "Dòng {n}, cột Tên đơn vị: Không được để trống."),
    ("XA_B;Xã B;thon;UBND_DX;;01/01/2025;", "Dòng {n}, cột Loại đơn vị: Không có loại đơn vị “thon” (các loại:"),
    ("XA_C;Xã C;commune;UBND_XYZ;;01/01/2025;", "Dòng {n}, cột Đơn vị cấp trên: Không có đơn vị “UBND_XYZ”"),
    ("XA_D;Xã D;commune;UBND_DX;xa.d@;01/01/2025;", "Dòng {n}, cột Thư điện tử: “xa.d@” không phải là địa chỉ"),
    ("XA_E;Xã E;commune;UBND_DX;;31/02/2025;", "Dòng {n}, cột Hiệu lực từ: “31/02/2025” không phải là ngày"),
    ("XA_F;Xã F;commune;UBND_DX;;01/01/2025;2024-12-31", "Dòng {n}, cột Hiệu lực đến: Trước ngày bắt đầu hiệu lực"),
    ("XA_G;Xã G;commune;UBND_DX;;;", "Dòng {n}, cột Hiệu lực từ: Không được để trống."),
    ("X" * 65 + ";Xã H;commune;UBND_DX;;01/01/2025;", "Dòng {n}, cột Mã đơn vị: Dài hơn 64 ký tự."),
    ("XA_TANLAP;Lần hai;commune;UBND_DX;;01/01/2025;", "Dòng {n}, cột Mã đơn vị: Mã “XA_TANLAP” đã có ở dòng 2."),
    ("XA_VONG1;Vòng 1;commune;XA_VONG2;;01/01/2025;", "Dòng {n}, cột Đơn vị cấp trên: Đơn vị cấp trên tạo thành vòng"),
    ("XA_VONG2;Vòng 2;commune;XA_VONG1;;01/01/2025;", "Dòng {n}, cột Đơn vị cấp trên: Đơn vị cấp trên tạo thành vòng"),
    ("UBND_DX;Ủy ban;district_committee;NNMT;;01/07/2021;", "Dòng {n}, cột Đơn vị cấp trên: Đơn vị cấp trên tạo thành"),
]


def test_every_bad_row_is_named_by_its_line_and_column_and_nothing_is_stored(district_chart: Session) -> None:
    session = district_chart
    lines = [HEADER, GOOD.splitlines()[1], *(row for row, _ in BAD_ROWS)]
    table = read_table("sai.csv", _csv("\n".join(lines)))
    problems = [str(p) for p in preview_import(session, table).problems]
    for index, (_, expected) in enumerate(BAD_ROWS):
        wanted = expected.format(n=index + 3)
        assert any(p.startswith(wanted) for p in problems), (wanted, problems)
    assert len(problems) == len(BAD_ROWS)
    before = _units(session)
    with pytest.raises(UnitImportInvalid) as refused:
        apply_import(session, table, actor=district.ADMIN, at=AT)
    assert len(refused.value.preview.problems) == len(BAD_ROWS)
    assert _units(session) == before and _events(session) == []


def test_the_header_names_unknown_and_missing_columns(district_chart: Session) -> None:
    text = "code;Tên đơn vị;Cấp hành chính;Hiệu lực từ\nXA_Q;Xã Q;xã;01/01/2025\n"
    problems = [str(p) for p in preview_import(district_chart, read_table("a.csv", _csv(text))).problems]
    assert problems[0].startswith("Dòng 1, cột Cấp hành chính: Không phải cột của tệp nhập (các cột: Mã đơn vị,")
    assert "Dòng 1, cột Loại đơn vị: Thiếu cột bắt buộc này." in problems


def test_a_stored_unit_keeps_the_fields_the_file_has_no_column_for(district_chart: Session) -> None:
    text = "Mã đơn vị,Tên đơn vị,Loại đơn vị,Hiệu lực từ\nNNMT,Phòng Nông nghiệp và Môi trường,division,01/07/2021\n"
    preview = preview_import(district_chart, read_table("comma.csv", _csv(text, bom=False)))
    assert preview.ok and preview.rows[0].action == SAME  # display code NN&MT and the parent stay


def test_the_reference_chart_takes_a_unit_under_its_agency_too(db_session: Session, org_chart: object) -> None:
    agency = db_session.scalars(select(Unit).where(Unit.kind == "agency")).first()
    assert agency is not None
    text = f"{HEADER}\nTT_MOI;Trung tâm mới;division;{agency.code};;01/01/2025;\n"
    apply_import(db_session, read_table("u.csv", _csv(text)), actor="quantri", at=AT)
    assert db_session.scalars(select(Unit.parent_code).where(Unit.code == "TT_MOI")).one() == agency.code

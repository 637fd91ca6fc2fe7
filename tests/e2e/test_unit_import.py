"""The administrator imports a CSV of units in a browser: two bad rows are named by line and column, the
corrected file is uploaded again from the preview, confirmed, and its units are in the list."""

from __future__ import annotations

import pytest
from playwright.sync_api import FilePayload, expect

from tests.e2e.conftest import Officers, Screenshots

pytestmark = pytest.mark.e2e
ADMIN = "quantri"
HEADER = "Mã đơn vị;Tên đơn vị;Loại đơn vị;Đơn vị cấp trên;Hiệu lực từ;Hiệu lực đến"
GOOD = [
    "TT_SOHOA;Trung tâm Chuyển đổi số;public_unit;SVHTTDL;01/01/2025;",
    "PHONG_SOHOA;Phòng Dữ liệu số;division;TT_SOHOA;01/01/2025;31/12/2030",
]
BAD = [GOOD[0].replace("public_unit", "trung_tam"), GOOD[1].replace("31/12/2030", "31/12/2020")]


def _file(rows: list[str]) -> FilePayload:
    data = "\r\n".join([HEADER, *rows]).encode("utf-8-sig")
    return {"name": "don_vi.csv", "mimeType": "text/csv", "buffer": data}


def test_the_administrator_sees_two_bad_rows_named_fixes_the_file_and_confirms(
    officers: Officers, shots: Screenshots
) -> None:
    page = officers.page_of(ADMIN)
    page.get_by_role("navigation").get_by_role("link", name="Đơn vị", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Đơn vị")
    page.get_by_role("link", name="Nhập đơn vị từ tệp CSV/XLSX").click()
    page.get_by_label("Tệp đơn vị").set_input_files(_file(BAD))
    page.get_by_role("button", name="Xem trước").click()

    problems = page.locator("#problems li")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_have_text(
        "Dòng 2, cột Loại đơn vị: Không có loại đơn vị “trung_tam” (các loại: province, agency, division, "
        "public_unit, district, district_culture_office, district_culture_centre, external)."
    )
    expect(problems.nth(1)).to_have_text("Dòng 3, cột Hiệu lực đến: Trước ngày bắt đầu hiệu lực (01/01/2025).")
    expect(page.locator("tr[data-line='2'][data-action='error']")).to_contain_text("lỗi")
    expect(page.get_by_role("button", name="Xác nhận nhập")).to_have_count(0)
    shots.take(page, "two-bad-rows")

    page.get_by_label("Tải lên tệp đã sửa").set_input_files(_file(GOOD))
    page.get_by_role("button", name="Xem trước").click()
    expect(page.locator("#summary")).to_have_text("2 dòng: 2 thêm mới, 0 cập nhật, 0 không đổi.")
    expect(page.locator("#problems")).to_have_count(0)
    shots.take(page, "corrected-preview")
    page.get_by_role("button", name="Xác nhận nhập").click()

    expect(page.get_by_role("status")).to_contain_text("Đã nhập tệp don_vi.csv: thêm 2 đơn vị, cập nhật 0")
    added = page.locator("tr[data-code='PHONG_SOHOA']")
    expect(added).to_contain_text("Phòng Dữ liệu số")
    expect(added).to_contain_text("Trung tâm Chuyển đổi số (TT_SOHOA)")
    expect(added).to_contain_text("từ 01/01/2025 đến 31/12/2030")
    shots.take(page, "units-imported")

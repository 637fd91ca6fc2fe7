"""The administrator manages users in a browser: a users CSV with two bad rows is previewed with both named
by line and column, the corrected file is confirmed; then the administrator opens one of the new users,
grants a role in a unit, withdraws another, and sees the roles as stored."""

from __future__ import annotations

import pytest
from playwright.sync_api import FilePayload, expect

from tests.e2e.conftest import Officers, Screenshots

pytestmark = pytest.mark.e2e
ADMIN = "quantri"
HEADER = "Tên đăng nhập,Họ và tên,Chức vụ,Đơn vị,Thư điện tử,Vai trò"
GOOD = [
    'cv.pth,Phạm Thu Hằng,Chuyên viên,QLVHGD,pth@example.vn,"specialist@QLVHGD; supervisor@SVHTTDL"',
    "cv.dvk,Đỗ Văn Khánh,Chuyên viên,QLDL,,specialist@QLDL",
]
BAD = [GOOD[0].replace("pth@example.vn", "pth@"), GOOD[1].replace(",QLDL,", ",KHONG_CO,")]


def _file(rows: list[str]) -> FilePayload:
    data = "\r\n".join([HEADER, *rows]).encode("utf-8-sig")
    return {"name": "nguoi_dung.csv", "mimeType": "text/csv", "buffer": data}


def test_the_administrator_imports_users_fixes_two_bad_rows_and_edits_roles(
    officers: Officers, shots: Screenshots
) -> None:
    page = officers.page_of(ADMIN)
    page.get_by_role("navigation").get_by_role("link", name="Người dùng", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Người dùng")
    page.get_by_role("link", name="Nhập người dùng từ tệp CSV/XLSX").click()
    page.get_by_label("Tệp người dùng").set_input_files(_file(BAD))
    page.get_by_role("button", name="Xem trước").click()

    problems = page.locator("#problems li")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_have_text("Dòng 2, cột Thư điện tử: “pth@” không phải là địa chỉ thư điện tử.")
    expect(problems.nth(1)).to_have_text("Dòng 3, cột Đơn vị: Không có đơn vị “KHONG_CO”.")
    expect(page.get_by_role("button", name="Xác nhận nhập")).to_have_count(0)
    shots.take(page, "two-bad-rows")

    page.get_by_label("Tải lên tệp đã sửa").set_input_files(_file(GOOD))
    page.get_by_role("button", name="Xem trước").click()
    expect(page.locator("#summary")).to_have_text("2 dòng: 2 thêm mới, 0 cập nhật, 0 không đổi.")
    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.get_by_role("status")).to_contain_text("Đã nhập tệp nguoi_dung.csv: thêm 2 người dùng")

    page.get_by_role("link", name="cv.pth", exact=True).click()
    roles = page.locator("#roles tbody tr")
    expect(roles).to_have_count(2)
    page.get_by_label("Vai trò cấp thêm").select_option("division_head")
    page.get_by_label("Tại đơn vị").select_option("QLVHGD")
    page.get_by_role("button", name="Cấp vai trò").click()
    expect(page.get_by_role("status")).to_contain_text("Đã cấp vai trò cho Phạm Thu Hằng.")
    page.locator("tr[data-role='supervisor'][data-unit='SVHTTDL']").get_by_role("button", name="Thu hồi").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thu hồi vai trò của Phạm Thu Hằng.")
    expect(roles).to_have_count(2)
    expect(page.locator("tr[data-role='division_head'][data-unit='QLVHGD']")).to_have_count(1)
    expect(page.locator("tr[data-role='supervisor']")).to_have_count(0)
    shots.take(page, "roles-edited")

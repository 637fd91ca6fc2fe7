"""The administrator designs a task form with the form-js editor in a browser, saves it, sees it listed and
previewed as the task page will draw it, then changes a label and saves it as version 2."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Officers, Screenshots

pytestmark = pytest.mark.e2e
ADMIN = "quantri"


def _drag_from_palette(page: Page, field_type: str) -> None:
    """Drag a component from the palette onto the form, as a person does with the mouse."""
    source = page.locator(f'.fjs-palette-field[data-field-type="{field_type}"]')
    target = page.locator(".fjs-drop-container-vertical").first
    start, end = source.bounding_box(), target.bounding_box()
    assert start is not None and end is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 60, start["y"] + 20, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 60, steps=10)
    page.mouse.up()


def _open_group(page: Page, name: str, entry: str) -> None:
    if not page.locator(entry).is_visible():
        page.locator(f'.bio-properties-panel-group-header:has-text("{name}")').click()


def _set_label(page: Page, text: str) -> None:
    _open_group(page, "General", "#bio-properties-panel-label")
    page.locator("#bio-properties-panel-label").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_the_administrator_designs_a_form_saves_it_and_saves_a_new_version(
    officers: Officers, shots: Screenshots
) -> None:
    page = officers.page_of(ADMIN)
    page.get_by_role("navigation").get_by_role("link", name="Biểu mẫu", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Biểu mẫu")
    page.get_by_role("link", name="Thiết kế biểu mẫu mới").click()
    expect(page.locator('.fjs-palette-field[data-field-type="textfield"]')).to_be_visible()
    # Only what the task page draws is offered.
    expect(page.locator('.fjs-palette-field[data-field-type="button"]')).to_be_hidden()

    _drag_from_palette(page, "textfield")
    expect(page.locator(".fjs-editor-container .fjs-form-field-textfield")).to_have_count(1)
    _set_label(page, "Số ký hiệu văn bản")
    page.fill("#bio-properties-panel-key", "so_ky_hieu")
    _open_group(page, "Validation", "#bio-properties-panel-required")
    page.check("#bio-properties-panel-required")
    expect(page.locator(".fjs-editor-container .fjs-form-field-textfield")).to_contain_text("Số ký hiệu văn bản*")
    page.get_by_label("Mã biểu mẫu").fill("kiem_tra_so")
    page.get_by_label("Tên biểu mẫu").fill("Kiểm tra số ký hiệu")
    shots.take(page, "designed")
    page.get_by_role("button", name="Lưu biểu mẫu").click()

    expect(page.get_by_role("status").first).to_contain_text(
        "Đã lưu biểu mẫu “Kiểm tra số ký hiệu” phiên bản 1; quy trình dùng mã designed:kiem_tra_so:1."
    )
    preview = page.locator("#form-preview")
    expect(preview.get_by_label("Số ký hiệu văn bản")).to_be_visible()
    expect(preview.locator("label[for='f-so_ky_hieu'] .req")).to_have_count(1)
    shots.take(page, "saved")

    page.get_by_role("link", name="← Biểu mẫu").click()
    row = page.locator("tr[data-key='kiem_tra_so']")
    expect(row).to_contain_text("Kiểm tra số ký hiệu")
    expect(row).to_contain_text("designed:kiem_tra_so:1")

    row.get_by_role("link", name="Kiểm tra số ký hiệu").click()
    page.locator(".fjs-editor-container .fjs-form-field-textfield").click()
    _set_label(page, "Số, ký hiệu của văn bản")
    canvas_field = page.locator(".fjs-editor-container .fjs-form-field-textfield")
    expect(canvas_field).to_contain_text("Số, ký hiệu của văn bản")  # the panel's edit reached the form
    page.get_by_role("button", name="Lưu thành phiên bản mới").click()
    expect(page.locator("#shown-form-key")).to_have_text("designed:kiem_tra_so:2")
    expect(page.locator("#form-preview").get_by_label("Số, ký hiệu của văn bản")).to_be_visible()
    expect(page.locator("#form-versions tbody tr")).to_have_count(2)
    shots.take(page, "version-2")

"""The pages on a phone and with the keyboard alone: an officer can still read them and do the step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import Officers, Screenshots, sign_in
from tests.e2e.pages import DONE, control, flash, form, inbox_row, open_task
from web.accounts.users import DEMO_PASSWORD
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

pytestmark = pytest.mark.e2e

# Enough presses to cross the longest page the tests walk through, few enough to fail fast.
MAX_TABS = 60


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width[0]}px wide in a {width[1]}px window"


def _within_screen(page: Page, controls: Locator) -> None:
    """Every control is visible and lies inside the screen's width."""
    inner_width = page.evaluate("window.innerWidth")
    count = controls.count()
    assert count > 0
    for index in range(count):
        item = controls.nth(index)
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= inner_width, (item, box)


def test_phone_inbox_and_task_page(phone_officers: Officers, shots: Screenshots, rehearsal: Rehearsal) -> None:
    """On a 390×844 phone the specialist reads the inbox and fills the draft: nothing runs off the screen."""
    scenario.register_and_instruct(rehearsal)
    rehearsal.at("2023-03-07 09:00")
    page = phone_officers.page_of(scenario.SPECIALIST)
    row = inbox_row(page, "Dự thảo công văn")
    expect(row).to_contain_text(case.INCOMING["incoming_number"])
    _no_sideways_scroll(page)
    shots.take(page, "phone-inbox")

    open_task(page, "Dự thảo công văn")
    _no_sideways_scroll(page)
    _within_screen(page, form(page).locator("input:not([type=hidden]), textarea, select"))
    control(page, "Căn cứ").fill(case.BASIS)
    button = form(page).get_by_role("button", name=DONE, exact=True)
    button.scroll_into_view_if_needed()
    _within_screen(page, button)
    shots.take(page, "phone-task-page")


def _focus_is_visible(page: Page) -> None:
    """The focused element is drawn with an outline (the application's :focus-visible ring)."""
    focused = page.evaluate(
        """() => {
            const el = document.activeElement;
            const s = getComputedStyle(el);
            return {
                tag: el.tagName, type: el.getAttribute("type"), ring: el.matches(":focus-visible"),
                style: s.outlineStyle, width: parseFloat(s.outlineWidth),
            };
        }"""
    )
    assert focused["tag"] != "BODY", "nothing has the focus"
    if focused["type"] == "date" and not focused["ring"]:
        # Tab also stops on the calendar button inside a date input: Chromium draws its own ring
        # around that button, and the input itself is not :focus-visible meanwhile.
        return
    assert focused["style"] != "none" and focused["width"] > 0, f"focus is invisible on {focused}"


def _tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus, checking that every stop shows where the focus is."""
    for _press in range(MAX_TABS):
        page.keyboard.press("Tab")
        _focus_is_visible(page)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} was not reached in {MAX_TABS} presses of Tab")


def test_keyboard_only_sign_in_and_registration(officers: Officers, shots: Screenshots) -> None:
    """The clerk signs in, opens Tiếp nhận văn bản đến and registers a letter with Tab, typing and Enter alone."""
    page = officers.signed_out(scenario.CLERK)
    page.goto("/login")
    expect(page.get_by_label("Tên đăng nhập")).to_be_focused()  # the form starts where typing starts
    page.keyboard.type(scenario.CLERK)
    _tab_to(page, page.get_by_label("Mật khẩu"))
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Việc cần xử lý")

    # The first stop is the link that skips the menus; it shows itself when focused.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Chuyển đến nội dung chính")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    _focus_is_visible(page)
    shots.take(page, "keyboard-skip-link")

    menu = page.get_by_role("navigation", name="Điều hướng chính")
    _tab_to(page, menu.get_by_role("link", name="Tiếp nhận văn bản đến"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/incoming/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiếp nhận văn bản đến")

    incoming = case.INCOMING
    _tab_to(page, control(page, "Cơ quan ban hành"))
    page.keyboard.type(incoming["incoming_issuer"])
    _tab_to(page, control(page, "Số ký hiệu"))
    page.keyboard.type(incoming["incoming_number"])
    _tab_to(page, control(page, "Ngày văn bản"))
    # 03/03/2023 reads the same day-first or month-first, whatever the browser's date format.
    page.keyboard.type("03032023")
    _tab_to(page, control(page, "Trích yếu"))
    page.keyboard.type(incoming["incoming_subject"])
    expect(control(page, "Ngày văn bản")).to_have_value(incoming["incoming_date"])
    shots.take(page, "keyboard-form-filled")
    _tab_to(page, form(page).get_by_role("button", name=DONE, exact=True))
    shots.take(page, "keyboard-focus-on-submit")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Việc cần xử lý")
    expect(flash(page)).to_have_text(["Đã hoàn thành: Tiếp nhận văn bản đến", "Văn bản đã được vào sổ đến, số đến: 1."])
    shots.take(page, "keyboard-registered")


def test_sign_in_page_fits_a_phone(phone_officers: Officers, shots: Screenshots) -> None:
    """The sign-in page itself fits a phone and leads to the inbox."""
    page = phone_officers.signed_out(scenario.CLERK)
    page.goto("/login")
    _no_sideways_scroll(page)
    _within_screen(page, page.locator("main").locator("input:not([type=hidden]), button"))
    shots.take(page, "phone-sign-in")
    sign_in(page, scenario.CLERK)
    _no_sideways_scroll(page)

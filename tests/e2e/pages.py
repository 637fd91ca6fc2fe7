"""What an officer does on the pages, in the words the pages use: open a task, fill its form, submit.

Every locator is found by what a person reads (a label, a button's text, a heading), so a test
breaks when the page stops saying what a user relies on, not when markup moves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from playwright.sync_api import Locator, Page, expect

INBOX = "Việc cần xử lý"
DONE = "Hoàn thành"


def inbox_row(page: Page, step: str, about: str | re.Pattern[str] | None = None) -> Locator:
    """The inbox row of a step (and of one unit, when `about` says which), after opening the inbox."""
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(INBOX)
    rows = page.get_by_role("row").filter(has=page.get_by_role("link", name=step, exact=True))
    if about is not None:
        rows = rows.filter(has_text=about)
    return rows


def open_task(page: Page, step: str, about: str | re.Pattern[str] | None = None) -> None:
    """Open a task from the inbox by its step's link; the task page is titled with the step."""
    row = inbox_row(page, step, about)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=step, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(step)
    expect(form(page)).to_be_visible()


def form(page: Page) -> Locator:
    """The form of the task's step (not the hand-over form beside it)."""
    return page.locator("form#task-form")


def labelled(scope: Locator, label: str) -> Locator:
    """The control of a label, which may end with the required mark "*"."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}(\s*\*)?\s*$"))


def control(page: Page, label: str) -> Locator:
    """A field of the step's form, by its label."""
    return labelled(form(page), label)


def fill(page: Page, values: Mapping[str, str]) -> None:
    """Type into the step's fields found by their labels."""
    for label, value in values.items():
        control(page, label).fill(value)


def choose(page: Page, question: str, answer: str) -> None:
    """Pick one answer of a question asked with radio buttons (a fieldset with its legend)."""
    group = form(page).get_by_role("group", name=question, exact=True)
    labelled(group, answer).check()


def tick(page: Page, question: str, answers: list[str]) -> None:
    """Tick exactly these boxes of a question asked with checkboxes."""
    group = form(page).get_by_role("group", name=question, exact=True)
    for box in group.get_by_role("checkbox").all():
        box.set_checked(False)
    for answer in answers:
        labelled(group, answer).check()


def submit(page: Page, step: str) -> None:
    """Press Hoàn thành and land on the inbox, which says the step was done."""
    form(page).get_by_role("button", name=DONE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(INBOX)
    expect(flash(page).first).to_have_text(f"Đã hoàn thành: {step}")


def flash(page: Page) -> Locator:
    """The messages the application shows after an action."""
    return page.locator("main p.flash")


def case_id_of(page: Page) -> int:
    """The case number from the task page's link to the whole case."""
    href = page.get_by_role("link", name="Xem toàn bộ hồ sơ").get_attribute("href") or ""
    found = re.fullmatch(r"/cases/([0-9]+)", href)
    assert found, f"no link to the case: {href!r}"
    return int(found.group(1))


def earlier_comment(page: Page, text: str) -> Locator:
    """A comment of an earlier step as the task page quotes it."""
    return page.get_by_role("region", name="Ý kiến các bước trước").get_by_text(text, exact=True)


def fact(scope: Page | Locator, term: str) -> Locator:
    """The value next to a term of a list of facts (<dt>term</dt><dd>value</dd>)."""
    return scope.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")).locator("xpath=following-sibling::dd[1]")

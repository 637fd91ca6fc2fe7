"""The pages work under their Content-Security-Policy in Chromium: not one script, style or image refused,
the BPMN diagram drawn, the printable directive laid out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import TIMEOUT_MS, LiveServer, Screenshots, sign_in
from tests.web.case_helpers import draft_returned_then_issued
from workflows.directive.rehearsal import Rehearsal

pytestmark = pytest.mark.e2e

# Installed before any page script runs, so that every refusal of the policy is seen.
WATCH_REFUSALS = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__refused.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile);
});
"""


def _page(chromium: Browser, live_server: LiveServer) -> tuple[Page, list[str]]:
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(WATCH_REFUSALS)
    page = context.new_page()
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text) if "Content Security Policy" in message.text else None)
    return page, said


def _refused(page: Page) -> list[str]:
    refused: list[str] = page.evaluate("window.__refused")
    return refused


def test_no_page_breaks_its_own_policy(
    chromium: Browser, live_server: LiveServer, rehearsal: Rehearsal, shots: Screenshots
) -> None:
    """The specialist and the clerk walk through every kind of page; Chromium refuses nothing."""
    draft_returned_then_issued(rehearsal, groups=["don_vi_truc_thuoc_so"])
    case_id = rehearsal.case_id
    walks = {
        "cv.hvd": ["/", f"/cases/{case_id}", f"/cases/{case_id}/documents/cong-van", "/mine", "/search?q=2104"],
        "vanthu": ["/registers/incoming", "/registers/outgoing", "/incoming/new"],
    }
    for username, paths in walks.items():
        page, said = _page(chromium, live_server)
        try:
            sign_in(page, username)
            assert _refused(page) == [], "sign-in"
            for path in paths:
                page.goto(path)
                if path == f"/cases/{case_id}":
                    diagram = page.locator("#case-diagram")
                    expect(diagram).to_have_class(re.compile(r"\bdiagram-ready\b"))
                    expect(diagram.locator(".djs-element.df-done").first).to_be_attached()
                    shots.take(page, "case-page-under-policy")
                if path.endswith("/documents/cong-van"):
                    # The print CSS, allowed by its hash, applies: the A4 sheet is laid out in Times New Roman.
                    expect(page.locator(".page")).to_have_css("font-family", re.compile("Times New Roman"))
                assert _refused(page) == [], f"{username} {path}"
            assert said == [], username
        finally:
            page.context.close()

"""Security headers on every response, and pages that satisfy their Content-Security-Policy: no inline
script, style or event handler in any template or in any page as served."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.clock import ManualClock
from tests.web.case_helpers import draft_returned_then_issued, fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from tests.web.task_helpers import ready
from web.core.composition import Runtime
from web.core.security_headers import CONTENT_SECURITY_POLICY
from web.core.settings import PROJECT_ROOT

TEMPLATES = sorted((PROJECT_ROOT / "web").glob("**/templates/**/*.html"))


class _InlineCode(HTMLParser):
    """Whatever in a page a strict policy (script-src 'self'; style-src 'self') would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not dict(attrs).get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self._in_style = True
            self.styles.append("")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False


def inline_code(html: str, policy: str = CONTENT_SECURITY_POLICY) -> list[str]:
    """What of `html` its Content-Security-Policy would refuse to run or apply (a <style> block passes
    only when the policy names its SHA-256)."""
    parser = _InlineCode()
    parser.feed(html)
    for block in parser.styles:
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        if f"'sha256-{digest}'" not in policy:
            parser.found.append("<style> not allowed by the policy")
    return parser.found


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT / "web")))
def test_no_template_holds_inline_code(template: Path) -> None:
    """Scripts and styles are files under static/ (or the vendored viewer): nothing a policy would block."""
    assert inline_code(template.read_text()) == []


def test_the_checker_finds_inline_code() -> None:
    """The check above would see each kind of inline code if a template had it."""
    page = (
        '<script>alert(1)</script><style>p{}</style><p style="color:red" onclick="x()">'
        '<a href="javascript:alert(1)">x</a><script src="/static/js/print.js"></script>'
    )
    assert len(inline_code(page)) == 5


def _assert_secure(response_headers: dict[str, str], what: str, *, standalone: bool = False) -> None:
    policy = response_headers.get("Content-Security-Policy", "")
    if standalone:
        # The printable document names its own print CSS by hash, and nothing else is loosened.
        assert re.sub(r" 'sha256-[^']+'", "", policy) == CONTENT_SECURITY_POLICY, what
    else:
        assert policy == CONTENT_SECURITY_POLICY, what
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert response_headers.get("X-Frame-Options") == "DENY", what
    assert response_headers.get("X-Content-Type-Options") == "nosniff", what
    assert response_headers.get("Referrer-Policy") == "same-origin", what


@pytest.fixture
def issued_case(runtime: Runtime, clock: ManualClock) -> int:
    """The reference directive issued to the Sở's own units."""
    r = fast_rehearsal(runtime, clock)
    draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    return r.case_id or 0


def test_every_page_carries_the_headers_and_no_inline_code(app: Flask, runtime: Runtime, issued_case: int) -> None:
    """Sign-in, inbox, task, case, printable directive, registers, search, error pages and static files."""
    anonymous = app.test_client()
    for path in ("/login", "/no-such-page", "/static/css/app.css"):
        with anonymous.get(path) as response:
            _assert_secure(dict(response.headers), path)
            if response.mimetype == "text/html":
                assert inline_code(response.get_data(as_text=True)) == [], path
    museum_task = ready(runtime, issued_case, "acknowledge", unit="BTLS")
    pages: dict[str, list[str]] = {
        "cb.btls": [
            "/",
            f"/tasks/{museum_task.id}",
            f"/cases/{issued_case}",
            f"/cases/{issued_case}/documents/cong-van",
        ],
        "vanthu": ["/registers/incoming", "/registers/outgoing", "/incoming/new", "/mine", "/search?q=2104"],
        "cv.hvd": [f"/cases/{issued_case}", f"/cases/{issued_case}/documents/cong-van", f"/tasks/{museum_task.id}"],
    }
    for username, paths in pages.items():
        client: FlaskClient = signed_in(app, username)
        for path in paths:
            response = client.get(path)
            what = f"{username} {path} ({response.status_code})"
            assert response.status_code in (200, 404), what
            _assert_secure(dict(response.headers), what, standalone=path.endswith("/documents/cong-van"))
            policy = response.headers["Content-Security-Policy"]
            assert inline_code(response.get_data(as_text=True), policy) == [], what


def test_a_downloaded_file_keeps_its_own_stricter_policy(app: Flask, issued_case: int) -> None:
    """The directive's DOCX carries the headers; an uploaded file keeps its sandbox, which the pages' policy
    does not loosen."""
    clerk = signed_in(app, "vanthu")
    with clerk.get(f"/cases/{issued_case}/documents/cong-van.docx") as response:
        assert response.status_code == 200
        _assert_secure(dict(response.headers), "docx")
    token = csrf_token(clerk.get(f"/cases/{issued_case}").get_data(as_text=True))
    upload = {"csrf_token": token, "kind": "other", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf")}
    clerk.post(f"/cases/{issued_case}/attachments", data=upload, content_type="multipart/form-data")
    with clerk.get("/attachments/1") as response:
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"

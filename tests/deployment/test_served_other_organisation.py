"""Another organisation's directive over HTTP, against `directive-flow serve` set up with its chart.

The invented district People's Committee (tests/data/charts/dong_xuyen.json: no parent body, its own
unit kinds, roles, signing titles and number code) is loaded by `directive-flow setup` through
ORG_CHART_FILE, as an agency would load its own. Its clerk registers a letter, its chairman
instructs, its office drafts, its deputy signs, its five communes and schools report through the web
workers, the job worker resumes the case, and the report upward is issued. Every page, document and
notification names the district; none names the reference Sở.
"""

from __future__ import annotations

import http.client
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import docx
import pytest
from sqlalchemy import select

from tests.deployment.directive_http import DirectiveOverHttp, _main
from tests.served import ServedApp, WebClient, run_setup, served_database, start_server
from tests.web.task_helpers import draft_changes
from tests.workflows import district_org as district
from workflows.directive.queries import case_reference
from workflows.notifications import Notification

RESUME_SECONDS = 60.0


@pytest.fixture
def served_district(tmp_path: Path) -> Iterator[ServedApp]:
    """`directive-flow serve` on a fresh database set up with the district's chart instead of the sample."""
    with served_database(tmp_path) as (database, db):
        environment = {**database, "ORG_CHART_FILE": str(district.CHART_FILE)}
        run_setup(tmp_path, environment)
        with start_server(tmp_path, environment, db) as app:
            yield app


class DistrictOverHttp(DirectiveOverHttp):
    """The district's letter, step by step, each by its own officer in their own browser."""

    incoming = district.LETTER
    clerk = district.CLERK

    def to_issue(self, groups: list[str] | None = None) -> list[str]:
        self.do(district.CHAIRMAN, "instruct", {**district.INSTRUCTION, "handling_deadline": self.working_day(3)})
        draft = district.draft(*(groups or []))
        draft["report_deadline"] = self.working_day(10)
        changes = draft_changes(draft)
        # The district defines what its units count, row by row on the draft page.
        for index, figure in enumerate(draft["report_figures"]):
            changes.update({f"report_figures.{index}.{key}": value for key, value in figure.items()})
        self.do(district.SPECIALIST, "draft", changes)
        self.do(district.HEAD, "review_content", {"decision": "approve", "comment": ""})
        self.do(district.DEPUTY, "sign", {"decision": "sign", "comment": ""})
        self.do(district.CLERK, "issue", {"issue_note": "Phát hành qua hệ thống."})
        return [row.candidate_unit or "" for row in self.ready("acknowledge")]

    specialist = district.SPECIALIST

    def report_of(self, index: int) -> dict[str, Any]:
        """The index-th unit's report in the district's own figures, dated today."""
        return district.unit_report(index, self.today.isoformat())


def _no_reference(text: str, where: str) -> None:
    found = [name for name in district.REFERENCE_NAMES if name in text]
    assert not found, f"{where} shows the reference organisation: {found}"


def _page(browser: WebClient, path: str) -> str:
    reply = browser.get(path)
    assert reply.status == 200, f"GET {path}: {reply.status}\n{_main(reply.text)}"
    _no_reference(reply.text, path)
    return reply.text


def _docx_text(browser: WebClient, path: str) -> str:
    # The plain client reads bodies as text; the DOCX is fetched as bytes with the browser's cookies.
    parts = urlsplit(browser.base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        connection.request("GET", path, headers={"Cookie": cookie, "User-Agent": "directive-flow tests"})
        response = connection.getresponse()
        assert response.status == 200, f"GET {path}: {response.status}"
        word = docx.Document(io.BytesIO(response.read()))
    finally:
        connection.close()
    header = [p.text for p in word.tables[0].cell(0, 0).paragraphs if p.text]
    assert header == [district.HEADER], header
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return "\n".join([*(p.text for p in word.paragraphs), *cells])


def test_the_district_lives_a_directive_over_http(served_district: ServedApp) -> None:
    """Issue to 5 units, each reports, the worker resumes the case, the report upward is issued; named as itself."""
    d = DistrictOverHttp(served_district)
    d.register()
    units = d.to_issue()
    assert sorted(units) == sorted(district.RECIPIENTS), d.state()

    clerk = d.browser(district.CLERK)
    letter = _page(clerk, f"/cases/{d.case_id}/documents/cong-van")
    left = re.search(r'<td class="left">(.*?)<span class="rule">', letter, re.S)
    assert left is not None and re.sub(r"<[^>]+>|\s", "", left.group(1)) == re.sub(r"\s", "", district.HEADER)
    assert f"/{district.NOTATION}</div>" in letter and "KT. CHỦ TỊCH" in letter and "PHÓ CHỦ TỊCH" in letter
    assert f"{district.PLACE}, ngày {d.today.day:02d}" in letter
    _no_reference(_docx_text(clerk, f"/cases/{d.case_id}/documents/cong-van.docx"), "the letter's DOCX")
    case_page = _page(clerk, f"/cases/{d.case_id}")
    assert f'<span class="org">{district.FULL_NAME}</span>' in case_page

    for index, unit in enumerate(units):
        d.unit_carries_out(index, unit)
        _page(d.browser(d.officer_of(unit)), "/")
    consolidate = served_district.wait_until(
        lambda: d.ready("consolidate"),
        timeout=RESUME_SECONDS,
        what=lambda: f"the job worker did not bring the case to its consolidation\n{d.state()}",
    )[0]
    _page(d.browser(district.SPECIALIST), f"/tasks/{consolidate.id}")
    d.do(district.SPECIALIST, "consolidate", {})
    d.do(district.DEPUTY, "sign_report", {"decision": "sign", "comment": ""})
    d.do(district.CLERK, "issue_report", {"issue_note": ""})

    report = _page(clerk, f"/cases/{d.case_id}/documents/bao-cao")
    assert "/BC-UBND</div>" in report
    _no_reference(_docx_text(clerk, f"/cases/{d.case_id}/documents/bao-cao.docx"), "the report's DOCX")
    year = d.today.year
    outgoing = _page(clerk, f"/registers/outgoing?year={year}")
    assert f"/{district.NOTATION}" in outgoing and "/BC-UBND" in outgoing
    _page(clerk, f"/registers/incoming?year={year}")
    _page(clerk, f"/cases/{d.case_id}")
    with served_district.reading() as session:
        sent = list(session.scalars(select(Notification).where(Notification.reference == case_reference(d.case_id))))
    assert any(n.recipient == "Cổng thông tin điện tử huyện Đồng Xuyên" for n in sent), sent
    for message in sent:
        _no_reference(f"{message.recipient} {message.subject} {message.body}", "a notification")

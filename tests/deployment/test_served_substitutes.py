"""Out of office over HTTP, against `directive-flow serve`: the absent officer names a substitute on the
page in the menu, the substitute finds the task in the inbox marked "thay …", claims and completes it in
another web worker, and the case page's trail says who acted for whom. Once for the reference Sở, once for
the invented district (its chairman away, his deputy standing in)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tests.deployment.directive_http import DirectiveOverHttp, _main
from tests.deployment.test_served_other_organisation import DistrictOverHttp, served_district
from tests.served import ServedApp
from tests.web.conftest import csrf_token
from tests.workflows import district_org as district
from workflows.directive import reference_case as case
from workflows.orgchart.models import User

__all__ = ["served_district"]


def _name_substitute(d: DirectiveOverHttp, absent: str, substitute: str, today: date) -> None:
    """The absent officer names the substitute for today only, through the page's form."""
    day = today.strftime("%d/%m/%Y")
    fields = {"absent": absent, "substitute": substitute, "from_date": day, "to_date": day, "reason": "Đi công tác"}
    reply = d.browser(absent).post_form("/substitutes", fields)
    assert reply.status == 302, f"naming a substitute: {reply.status}\n{_main(reply.text)}"


def _substitute_does_the_instruction(
    d: DirectiveOverHttp, absent_name: str, substitute: str, data: dict[str, object]
) -> None:
    task = d.the_ready("instruct")
    browser = d.browser(substitute)
    inbox = browser.get("/")
    assert task.id in inbox.text and f"(thay {absent_name})" in inbox.text, _main(inbox.text)
    claimed = browser.post(f"/tasks/{task.id}/claim", {"csrf_token": csrf_token(inbox.text)})
    assert claimed.status == 302, f"claiming: {claimed.status}\n{_main(claimed.text)}"
    d.do(substitute, "instruct", data)


def _trail_names(d: DirectiveOverHttp, reader: str) -> list[str]:
    page = d.browser(reader).get(f"/cases/{d.case_id}")
    assert page.status == 200, page.status
    return [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>([^<]*\(thay [^<]*)</td>", page.text)]


def test_a_deputy_does_the_absent_directors_step_over_http(served: ServedApp) -> None:
    """Phan Văn Hòa instructs for Lê Văn An; the trail reads "Phan Văn Hòa (thay Lê Văn An)"."""
    d = DirectiveOverHttp(served)
    d.register()
    assert "(thay Lê Văn An)" not in d.browser("pgd.hoa").get("/").text
    _name_substitute(d, "giamdoc", "pgd.hoa", d.today)
    _substitute_does_the_instruction(
        d, "Lê Văn An", "pgd.hoa", {**case.INSTRUCTION, "handling_deadline": d.working_day(3)}
    )
    assert d.the_ready("draft").candidate_unit == case.INSTRUCTION["lead_division"]
    assert "Phan Văn Hòa (thay Lê Văn An)" in _trail_names(d, "giamdoc")


def test_the_districts_deputy_chairman_stands_in_over_http(served_district: ServedApp) -> None:
    """Another organisation: the chairman away, the deputy chairman instructs in his name."""
    d = DistrictOverHttp(served_district)
    d.register()
    _name_substitute(d, district.CHAIRMAN, district.DEPUTY, d.today)
    with served_district.reading() as session:
        query = select(User.username, User.full_name).where(User.username.in_([district.CHAIRMAN, district.DEPUTY]))
        names = {row.username: row.full_name for row in session.execute(query)}
    instruction = {**district.INSTRUCTION, "handling_deadline": d.working_day(3)}
    _substitute_does_the_instruction(d, names[district.CHAIRMAN], district.DEPUTY, instruction)
    assert f"{names[district.DEPUTY]} (thay {names[district.CHAIRMAN]})" in _trail_names(d, district.CHAIRMAN)

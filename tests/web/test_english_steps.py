"""English pages name the steps, timers and decisions in English: never the diagrams' Vietnamese or a code."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from tests.workflows.lifecycle_helpers import officer_of
from tests.workflows.reference_text import visible_lines
from web.core.composition import Runtime
from web.core.labels import STEP_NAMES
from workflows.directive import scenario

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
NAMED = ("userTask", "boundaryEvent", "intermediateCatchEvent", "callActivity")
#: Decision codes a trail must never show as they are stored.
CODES = {"approve", "return", "sign", "accept", "more", "remind", "escalate"}


def _diagram_names() -> set[str]:
    names = set()
    for path in BPMN.glob("*.bpmn"):
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        for kind in NAMED:
            for node in root.iter(f"{{http://www.omg.org/spec/BPMN/20100524/MODEL}}{kind}"):
                if node.get("name"):
                    names.add(node.get("name"))
    return names


def test_every_step_and_timer_of_the_processes_is_in_the_catalogue_list() -> None:
    names = _diagram_names()
    assert len(names) > 10
    assert sorted(names - {str(n._args[0]) for n in STEP_NAMES}) == []  # type: ignore[attr-defined]


def _english(app: Flask, username: str) -> FlaskClient:
    client = signed_in(app, username)
    page = client.get("/").get_data(as_text=True)
    assert client.post("/lang/en", data={"csrf_token": csrf_token(page), "next": "/"}).status_code == 302
    return client


def _section(html: str, marker: str) -> list[str]:
    start = html.index(marker)
    return visible_lines(html[start : html.index("</section>", start)])


def _vietnamese_steps(lines: list[str]) -> list[str]:
    names = _diagram_names()
    return [line for line in lines if any(re.search(rf"(^|: ){re.escape(n)}( ·|$)", line) for n in names)]


def test_the_trail_of_a_finished_case_reads_in_english(app: Flask, runtime: Runtime, clock: ManualClock) -> None:
    r = fast_rehearsal(runtime, clock)
    scenario.run_reference_case(r, officer_of(runtime))
    client = _english(app, scenario.SPECIALIST)

    trail = _section(client.get(f"/cases/{r.case_id}").get_data(as_text=True), 'id="trail"')

    assert "Case history" in " ".join(trail)
    assert _vietnamese_steps(trail) == []
    assert CODES.isdisjoint(trail)
    assert {"Approved", "Returned", "Signed for issue", "Accepted"} <= set(trail)


def test_the_inbox_and_a_task_page_name_the_step_in_english(app: Flask, runtime: Runtime, clock: ManualClock) -> None:
    r = fast_rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    client = _english(app, scenario.SPECIALIST)

    inbox = client.get("/").get_data(as_text=True)
    task = re.search(r'href="(/tasks/[^"]+)"', inbox)
    assert task
    page = client.get(task.group(1)).get_data(as_text=True)

    assert "Dự thảo công văn" not in inbox and "Dự thảo công văn" not in page
    assert _vietnamese_steps(visible_lines(inbox)) == []

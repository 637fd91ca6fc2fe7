"""A step an administrator adds or renames shows on English pages with the English name its diagram gives it."""

from __future__ import annotations

from flask import Flask

from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from web.core.composition import Runtime, engine_transactions
from web.core.english_names import names_in
from workflows.directive import scenario

LIFECYCLE = "directive_lifecycle.bpmn"
RENAMED = '<bpmn:userTask id="draft" name="Soạn dự thảo công văn">'
ENGLISH = '<spiffworkflow:property name="name_en" value="Write the draft directive"/>'


def _renamed(runtime: Runtime) -> bytes:
    xml = (runtime.settings.bpmn_dir / LIFECYCLE).read_text(encoding="utf-8")
    changed = xml.replace('<bpmn:userTask id="draft" name="Dự thảo công văn">', RENAMED, 1).replace(
        '<spiffworkflow:property name="formKey" value="draft"/>',
        '<spiffworkflow:property name="formKey" value="draft"/>\n          ' + ENGLISH,
        1,
    )
    assert changed.count("Write the draft directive") == 1 and RENAMED in changed
    return changed.encode("utf-8")


def test_names_are_read_with_their_english() -> None:
    xml = (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"><bpmn:process id="p">'
        f"{RENAMED}<bpmn:extensionElements><spiffworkflow:properties>{ENGLISH}</spiffworkflow:properties>"
        '</bpmn:extensionElements></bpmn:userTask><bpmn:task id="t" name="Không dịch"/></bpmn:process>'
        "</bpmn:definitions>"
    )
    assert names_in(xml) == {"Soạn dự thảo công văn": "Write the draft directive"}


def test_a_renamed_step_reads_in_english_after_a_deploy_made_elsewhere(
    app: Flask, runtime: Runtime, clock: ManualClock
) -> None:
    specialist = signed_in(app, scenario.SPECIALIST)
    page = specialist.get("/").get_data(as_text=True)
    assert specialist.post("/lang/en", data={"csrf_token": csrf_token(page), "next": "/"}).status_code == 302
    assert "Write the draft directive" not in specialist.get("/").get_data(as_text=True)  # names read, then kept

    with engine_transactions(runtime)() as engine:
        engine.deploy(_renamed(runtime), LIFECYCLE, "quantri")
    scenario.register_and_instruct(fast_rehearsal(runtime, clock))

    inbox = specialist.get("/").get_data(as_text=True)
    assert "Write the draft directive" in inbox and "Soạn dự thảo công văn" not in inbox
    vietnamese = signed_in(app, scenario.SPECIALIST).get("/").get_data(as_text=True)
    assert "Soạn dự thảo công văn" in vietnamese and "Write the draft directive" not in vietnamese

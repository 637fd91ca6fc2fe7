"""Each BPMN MIWG reference model survives an import into the administrators' modeler (bpmn-js Modeler
served by the application at /admin/modeler) and an export from it: every element id of the file
comes back, with its type and its name. The models are read from ../shared/bpmn-miwg (tests/miwg.py).

One loss is bpmn-js's own and is named here rather than hidden: a diagram whose plane is a
collaboration draws only the processes its pools hold, so the shapes of a process no pool holds
(B.1.0 and B.2.0 have one such process each) are not drawn and not exported; the process and its
elements themselves come back. The test allows exactly those shapes to go, and no other element."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from tests import miwg
from tests.e2e.conftest import Officers

pytestmark = pytest.mark.e2e
ADMIN = "quantri"


def _elements(xml: bytes) -> dict[str, tuple[str, str]]:
    """Each element with an id: its namespace-qualified type and its name."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml, parser=parser)
    return {
        element.get("id"): (str(element.tag), " ".join((element.get("name") or "").split()))
        for element in root.iter()
        if isinstance(element.tag, str) and element.get("id")
    }


BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"


def _undrawn_shapes(xml: bytes) -> set[str]:
    """The diagram elements of processes no pool holds, in a diagram whose plane is a collaboration."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml, parser=parser)
    collaborations = {c.get("id"): c for c in root.iter(f"{BPMN}collaboration")}
    planes = [p.get("bpmnElement") for p in root.iter(f"{BPMNDI}BPMNPlane")]
    if not any(plane in collaborations for plane in planes):
        return set()
    held = {p.get("processRef") for c in collaborations.values() for p in c.iter(f"{BPMN}participant")}
    outside = {
        element.get("id")
        for process in root.iter(f"{BPMN}process")
        if process.get("id") not in held
        for element in process.iter()
        if isinstance(element.tag, str) and element.get("id")
    }
    return {
        shape.get("id")
        for tag in ("BPMNShape", "BPMNEdge")
        for shape in root.iter(f"{BPMNDI}{tag}")
        if shape.get("bpmnElement") in outside
    }


def _text(xml: bytes) -> str:
    """The file as text, read in the encoding it declares."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    encoding = etree.fromstring(xml, parser=parser).getroottree().docinfo.encoding or "utf-8"
    return xml.decode(encoding)


def _round_trip(page: Page, xml: str) -> dict[str, object]:
    result: dict[str, object] = page.evaluate(
        """async (xml) => {
            const modeler = window.directiveModeler;
            const imported = await modeler.importXML(xml);
            const saved = await modeler.saveXML({ format: true });
            return { warnings: imported.warnings.map((w) => w.message), xml: saved.xml };
        }""",
        xml,
    )
    return result


@pytest.mark.parametrize("path", miwg.models())
def test_a_miwg_model_keeps_its_elements_through_the_modeler(officers: Officers, path: Path) -> None:
    page = officers.page_of(ADMIN)
    page.goto("/admin/modeler/new")
    expect(page.locator("[data-ready='true']")).to_have_count(1)
    original = path.read_bytes()
    result = _round_trip(page, _text(original))
    exported = str(result["xml"]).encode("utf-8")
    before, after = _elements(original), _elements(exported)
    lost = sorted(set(before) - set(after) - _undrawn_shapes(original))
    assert not lost, (
        f"{path.name}: {len(lost)} elements lost in the modeler: {lost[:10]} (warnings: {result['warnings']})"
    )
    changed = {i: (before[i], after[i]) for i in set(before) & set(after) if before[i] != after[i]}
    assert not changed, f"{path.name}: elements changed type or name in the modeler: {changed}"

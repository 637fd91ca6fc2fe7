"""Deploying a process from the browser on `directive-flow serve` (gunicorn and its job worker,
tests/served.py), over HTTP: upload, preview with the diff, confirm; a case started before keeps its
version and goes on, a new case starts on the new one. The BPMN MIWG reference models each deploy or
are refused with every reason tied to an element of the file, never a server error."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engine.models import ProcessDefinition, ProcessInstance
from tests import miwg
from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import Reply, ServedApp, WebClient
from tests.web.conftest import csrf_token
from workflows.directive import reference_case as case
from workflows.directive.scenario import DIRECTOR

ADMIN = "quantri"
LIFECYCLE = "directive_lifecycle.bpmn"


def _preview(admin: WebClient, data: bytes, filename: str, note: str = "") -> Reply:
    token = csrf_token(admin.get("/admin/processes/deploy").text)
    fields = {"csrf_token": token, "note": note, "bpmn": FileStorage(io.BytesIO(data), filename)}
    boundary, body = encode_multipart(fields)
    return admin.request("POST", "/admin/processes/deploy/preview", body, f"multipart/form-data; boundary={boundary}")


def _confirm(admin: WebClient, preview: Reply) -> Reply:
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    carried = re.search(r'name="file" value="([^"]+)"', preview.text)
    assert token and carried, "the preview offers no confirmation"
    fields = {"csrf_token": csrf_token(preview.text), "token": token[1], "file": carried[1]}
    return admin.post("/admin/processes/deploy/confirm", fields)


class AnotherLetter(DirectiveOverHttp):
    """A second letter of the same issuer: another number, so that the clerk registers it without a warning."""

    incoming: ClassVar[Mapping[str, Any]] = {**case.INCOMING, "incoming_number": "2231-CV/BTGTU"}


def _version_of(served: ServedApp, case_id: int) -> int:
    with served.reading() as session:
        version = session.scalar(
            select(ProcessDefinition.version)
            .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
            .where(ProcessInstance.id == case_id)
        )
    assert version is not None
    return version


def test_a_deploy_from_the_browser_starts_new_cases_on_the_new_version(served: ServedApp) -> None:
    before = DirectiveOverHttp(served)
    before.register()
    admin = served.client(ADMIN)
    lifecycle = (Path(__file__).resolve().parents[2] / "bpmn" / LIFECYCLE).read_bytes()
    changed = lifecycle.replace('name="Ký duyệt"'.encode(), 'name="Ký duyệt văn bản"'.encode(), 1)
    assert changed != lifecycle

    preview = _preview(admin, changed, LIFECYCLE, note="Đổi tên bước ký")
    assert preview.status == 200, preview.text[:3000]
    assert "tên: Ký duyệt → Ký duyệt văn bản" in preview.text
    assert 'class="diff-changed"' in preview.text
    confirmed = _confirm(admin, preview)
    assert confirmed.status == 302 and confirmed.location == "/admin/processes", confirmed.text[:2000]
    listing = admin.get("/admin/processes").text
    assert "Ghi chú: Đổi tên bước ký" in listing and "phiên bản 2" in listing

    after = AnotherLetter(served)
    after.register()
    assert (_version_of(served, before.case_id), _version_of(served, after.case_id)) == (1, 2)
    # The case started before goes on, on its own version.
    before.do(DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": before.working_day(3)})
    assert before.ready("draft"), before.state()
    assert _version_of(served, before.case_id) == 1


def test_each_miwg_model_deploys_or_is_refused_by_element(served: ServedApp) -> None:
    """All models on one served application (starting one costs more than the uploads): each as drawn,
    and marked executable, is previewed; a refusal names only elements of the file, a clean file deploys."""
    paths = miwg.paths()
    admin = served.client(ADMIN)
    failures: list[str] = []
    for path in paths:
        original = path.read_bytes()
        for data in (original, miwg.as_executable(original)):
            failures += _deploy_or_refusal(served, admin, path.name, data)
        # A descriptive model as drawn is refused for that reason, named on each of its processes.
        refused = _preview(admin, original, path.name)
        if refused.status != 422 or "isExecutable" not in refused.text:
            failures.append(f"{path.name}: as drawn, not refused for want of an executable process")
    assert not failures, "\n".join(failures)


def _deploy_or_refusal(served: ServedApp, admin: WebClient, name: str, data: bytes) -> list[str]:
    ids = miwg.element_ids(data)
    preview = _preview(admin, data, name)
    if preview.status not in (200, 422):
        return [f"{name}: HTTP {preview.status}"]
    if preview.status == 422:
        named = re.findall(r'<tr data-element="([^"]*)">', preview.text)
        if not named or not set(named) <= ids or 'name="token"' in preview.text:
            return [f"{name}: problems not tied to its elements: {named}"]
        return []
    if _confirm(admin, preview).status != 302:
        return [f"{name}: previewed clean but not deployed"]
    with served.reading() as session:
        keys = set(session.scalars(select(ProcessDefinition.key).where(ProcessDefinition.filename == name)))
    return [] if keys and keys <= ids else [f"{name}: deployed keys {keys} are not its processes"]

"""The modeler on `directive-flow serve` (two web workers and the job worker, tests/served.py).

Over HTTP the administrator opens the lifecycle in the modeler, reads the lists its panel offers,
validates a changed file (a problem named with its element, then none), saves it as a draft and
saves over it; a second administrator who saves from the same revision is told of the conflict.
The draft is deployed with `directive-flow deploy` beside the server; a case started on it shows
the renamed step in English on every web worker, and again after a later deploy changes its English.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from sqlalchemy import func, select

from engine.models import AuditEvent
from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import Reply, ServedApp, WebClient, command
from tests.web.conftest import csrf_token
from web.core.models import ProcessDraft
from workflows.directive.scenario import DIRECTOR, SPECIALIST

ADMIN = "quantri"
LIFECYCLE = Path(__file__).resolve().parents[2] / "bpmn" / "directive_lifecycle.bpmn"
STEP = '<bpmn:userTask id="instruct" name="Ý kiến chỉ đạo">'
RENAMED = '<bpmn:userTask id="instruct" name="Cho ý kiến chỉ đạo">'


def _with_english(xml: str, english: str) -> str:
    """The lifecycle with its instruction step renamed and given an English name."""
    start = xml.index(STEP)
    anchor = xml.index("<spiffworkflow:properties>", start) + len("<spiffworkflow:properties>")
    named = xml[:anchor] + f'\n          <spiffworkflow:property name="name_en" value="{english}"/>' + xml[anchor:]
    return named.replace(STEP, RENAMED, 1)


def _post(client: WebClient, path: str, token: str, **fields: str) -> tuple[Reply, dict[str, object]]:
    reply = client.post(path, {**fields, "csrf_token": token})
    return reply, json.loads(reply.text) if reply.text.startswith("{") else {}


def _english(client: WebClient) -> WebClient:
    token = csrf_token(client.get("/").text)
    assert client.post("/lang/en", {"csrf_token": token, "next": "/"}).status == 302
    return client


def _deploy(served: ServedApp, tmp_path: Path, xml: str) -> None:
    path = tmp_path / "directive_lifecycle.bpmn"
    path.write_text(xml, encoding="utf-8")
    done = subprocess.run(
        [*command(), "deploy", "--actor", ADMIN, str(path)], env=served.env, cwd=tmp_path, capture_output=True
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


def _every_worker_shows(client: WebClient, text: str) -> None:
    # Two gunicorn workers answer in turn: enough requests reach both.
    for _ in range(6):
        page = client.get("/").text
        assert text in page, re.sub(r"\s+", " ", page)[-3000:]


def test_the_administrator_validates_and_saves_a_draft_that_deploys_in_english(
    served: ServedApp, tmp_path: Path
) -> None:
    admin = served.client(ADMIN)
    page = admin.get("/admin/modeler/directive_lifecycle/v1")
    assert page.status == 200 and "/static/build/modeler.js" in page.text
    token = csrf_token(page.text)
    roles = json.loads(admin.get("/admin/modeler/roles.json").text)
    assert {"value": "director", "label": "Giám đốc (director)"} in roles
    assert "instruct" in {f["value"] for f in json.loads(admin.get("/admin/modeler/forms.json").text)}

    xml = _with_english(LIFECYCLE.read_text(encoding="utf-8"), "Give the instruction")
    broken = xml.replace('<spiffworkflow:property name="formKey" value="instruct"/>', "", 1)
    reply, answer = _post(admin, "/admin/modeler/validate", token, xml=broken)
    assert reply.status == 200 and answer["ok"] is False
    problems = answer["problems"]
    assert isinstance(problems, list) and problems, answer
    assert {p["element_id"] for p in problems} == {"instruct"} and "formKey" in problems[0]["message"], problems
    reply, answer = _post(admin, "/admin/modeler/validate", token, xml=xml)
    assert reply.status == 200 and answer == {"ok": True, "problems": []}

    reply, saved = _post(admin, "/admin/modeler/drafts", token, xml=broken, base_version="1", note="đổi tên bước")
    assert reply.status == 201, reply.text
    draft_id = str(saved["draft_id"])
    other = served.client(ADMIN)
    other_token = csrf_token(other.get(f"/admin/modeler/drafts/{draft_id}").text)
    reply, saved = _post(admin, "/admin/modeler/drafts", token, xml=xml, draft_id=draft_id, revision="1")
    assert reply.status == 200 and saved["revision"] == 2
    reply, lost = _post(other, "/admin/modeler/drafts", other_token, xml=broken, draft_id=draft_id, revision="1")
    assert reply.status == 409 and "Không có gì được lưu" in str(lost["error"])
    assert served.client(SPECIALIST).post("/admin/modeler/drafts", {"xml": xml, "csrf_token": token}).status in (
        400,
        403,
    )
    with served.reading() as session:
        [draft] = session.scalars(select(ProcessDraft))
        stored = draft.bpmn_xml
        assert draft.revision == 2 and draft.saved_by == ADMIN
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.tag == "web:process:draft_saved")
        )
    assert events == 2 and stored == xml

    _deploy(served, tmp_path, stored)
    director = _english(served.client(DIRECTOR))
    case = DirectiveOverHttp(served)
    case.register()
    _every_worker_shows(director, "Give the instruction")

    # Another process deploys a new English for the same step: every worker reads it at once.
    _deploy(served, tmp_path, _with_english(LIFECYCLE.read_text(encoding="utf-8"), "Instruct on the letter"))
    _every_worker_shows(director, "Instruct on the letter")

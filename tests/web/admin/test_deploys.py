"""Deploying a process from the browser: the preview refuses a bad file with each problem named by element
and stores nothing; a good file shows what changed and deploys on confirmation, exactly as previewed, with
its note, audited; only administrators, never a 500 on any file."""

from __future__ import annotations

import html
import io
import json
import random
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from engine.audit_verify import verify_trail
from engine.bpmn_checks import MAX_BYTES
from engine.clock import ManualClock
from engine.models import AuditEvent, ProcessDefinition
from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from tests.workflows import invented_org as invented
from web import create_app, runtime_of
from web.accounts.users import give_demo_passwords
from web.core.cli import main
from web.core.composition import Runtime
from web.core.db import make_engine, unit_of_work
from workflows.directive import scenario

ADMIN, AUDITOR = "quantri", "kiemtra"
LIFECYCLE = "directive_lifecycle.bpmn"
SIGN = 'name="Ký duyệt"'


def _lifecycle(runtime: Runtime) -> bytes:
    return (runtime.settings.bpmn_dir / LIFECYCLE).read_bytes()


def _renamed(runtime: Runtime) -> bytes:
    """The lifecycle with its signing step renamed: one changed element."""
    changed = _lifecycle(runtime).replace(SIGN.encode(), 'name="Ký duyệt văn bản"'.encode(), 1)
    assert changed != _lifecycle(runtime)
    return changed


def _post(client: FlaskClient, url: str, fields: Mapping[str, object]) -> TestResponse:
    token = csrf_token(client.get("/admin/processes").get_data(as_text=True))
    boundary, body = encode_multipart({"csrf_token": token, **fields})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def preview(client: FlaskClient, data: bytes, filename: str = LIFECYCLE, note: str = "") -> TestResponse:
    """Upload a file to the deploy preview as the upload form does."""
    return _post(
        client, "/admin/processes/deploy/preview", {"bpmn": FileStorage(io.BytesIO(data), filename), "note": note}
    )


def confirm(client: FlaskClient, page: str, **replace: str) -> TestResponse:
    """Send the preview's confirmation form, with any field replaced."""
    fields = {name: re.search(rf'name="{name}" value="([^"]*)"', page) for name in ("token", "file")}
    assert all(fields.values()), "the preview offers no confirmation"
    data = {"csrf_token": csrf_token(page), **{k: v[1] for k, v in fields.items() if v}, **replace}
    return client.post("/admin/processes/deploy/confirm", data=data)


def _counts(runtime: Runtime) -> tuple[int, int]:
    with unit_of_work(runtime.sessions) as session:
        definitions = session.scalar(select(func.count()).select_from(ProcessDefinition)) or 0
        events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return definitions, events


def _text(response: TestResponse) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_a_changed_file_shows_its_diff_and_deploys_as_previewed_with_its_note(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    before = _counts(runtime)
    shown = preview(admin, _renamed(runtime), note="Đổi tên bước ký cho rõ")
    page = _text(shown)
    assert shown.status_code == 200
    assert "phiên bản mới 2" in page
    changed = re.findall(r'<li class="diff-changed" data-id="([^"]+)">(.*?)</li>', page)
    assert len(changed) == 1, changed
    assert "tên: Ký duyệt → Ký duyệt văn bản" in changed[0][1]
    assert not re.findall(r'class="diff-(?:added|removed)"', page)
    marks = re.search(r'data-marks="([^"]+)"', page)
    assert marks and json.loads(html.unescape(marks[1])) == {
        "old": {changed[0][0]: "changed"},
        "new": {changed[0][0]: "changed"},
    }  # the markers for the two diagrams
    assert _counts(runtime) == before  # a preview stores nothing, its audit event included

    done = confirm(admin, shown.get_data(as_text=True))
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/processes")
    with unit_of_work(runtime.sessions) as session:
        newest = session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == "directive_lifecycle")
            .order_by(ProcessDefinition.version.desc())
        ).first()
        assert newest is not None
        assert (newest.version, newest.note, newest.deployed_by) == (2, "Đổi tên bước ký cho rõ", ADMIN)
        assert newest.bpmn_xml.encode() == _renamed(runtime)
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.tag == "engine:definition:deployed" and event.actor == ADMIN
        assert event.after is not None and event.after["note"] == "Đổi tên bước ký cho rõ"
        # The preview's rehearsed deploy left no gap in the agency's chain.
        assert verify_trail(session).intact
    listing = _text(admin.get("/admin/processes"))
    assert "Ghi chú: Đổi tên bước ký cho rõ" in listing
    assert "/admin/processes/directive_lifecycle/diff?from=1&amp;to=2" in listing

    diff = admin.get("/admin/processes/directive_lifecycle/diff?from=1&to=2")
    assert diff.status_code == 200
    assert "tên: Ký duyệt → Ký duyệt văn bản" in _text(diff)
    assert signed_in(app, AUDITOR).get("/admin/processes/directive_lifecycle/diff?from=1&to=2").status_code == 200
    assert admin.get("/admin/processes/directive_lifecycle/diff?from=1&to=9").status_code == 404


def test_the_same_file_again_makes_no_new_version(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    before = _counts(runtime)
    shown = preview(admin, _lifecycle(runtime))
    page = _text(shown)
    assert shown.status_code == 200
    assert "giống hệt phiên bản hiện hành 1, không tạo phiên bản mới" in page
    assert 'name="token"' not in page and "Không có gì để triển khai" in page
    assert _counts(runtime) == before


def test_a_confirmation_deploys_only_the_file_previewed(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    page = preview(admin, _renamed(runtime)).get_data(as_text=True)
    before = _counts(runtime)
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    forged = token[1][:-4] + ("AAAA" if not token[1].endswith("AAAA") else "BBBB")
    assert "không hợp lệ" in _text(confirm(admin, page, token=forged))
    other = preview(admin, _renamed(runtime).replace("Ký duyệt văn bản".encode(), b"Ky duyet")).get_data(as_text=True)
    swapped = re.search(r'name="file" value="([^"]+)"', other)
    assert swapped
    refused = confirm(admin, page, file=swapped[1])
    assert refused.status_code == 400 and "khác tệp đã xem trước" in _text(refused)
    assert confirm(admin, page, file="not base64 at all!").status_code == 400
    assert _counts(runtime) == before


def test_a_process_deployed_after_the_preview_shows_the_new_preview_instead(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    page = preview(admin, _renamed(runtime)).get_data(as_text=True)
    other = _renamed(runtime).replace("Ký duyệt văn bản".encode(), "Ký số".encode())
    assert confirm(admin, preview(admin, other).get_data(as_text=True)).status_code == 302  # now version 2
    before = _counts(runtime)
    stale = confirm(admin, page)
    assert stale.status_code == 409
    assert "đã thay đổi từ lúc xem trước" in _text(stale) and "phiên bản mới 3" in _text(stale)
    assert _counts(runtime) == before


def test_the_modeler_may_post_its_xml_as_a_field(app: Flask, runtime: Runtime) -> None:
    """The modeler's form sends the XML as a field, its line ends made CRLF by the browser: the file deployed has LF."""
    admin = signed_in(app, ADMIN)
    xml = _renamed(runtime).decode("utf-8").replace("\n", "\r\n")
    shown = _post(
        admin, "/admin/processes/deploy/preview", {"xml": xml, "filename": LIFECYCLE, "note": "từ trình soạn"}
    )
    assert shown.status_code == 200 and "phiên bản mới 2" in _text(shown)
    assert confirm(admin, shown.get_data(as_text=True)).status_code == 302
    with unit_of_work(runtime.sessions) as session:
        stored = session.scalar(select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.version == 2))
    assert stored is not None and stored.encode("utf-8") == _renamed(runtime)


BROKEN = [
    pytest.param(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "Tệp không phải XML hợp lệ", id="not-xml"),
    pytest.param(
        b"<html><body>hello</body></html>", "không phải BPMN 2.0: phần tử gốc là &lt;html&gt;", id="xml-not-bpmn"
    ),
    pytest.param(
        b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x"/>',
        "không có quy trình nào",
        id="no-process",
    ),
    pytest.param(
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n'
        b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&lol;</definitions>',
        "DOCTYPE",
        id="doctype",
    ),
    pytest.param(b"   \n", "Tệp trống", id="empty"),
    pytest.param(
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'id="d" targetNamespace="x"><process id="p" name="Café" isExecutable="true"><startEvent id="s"/>'
        '<endEvent id="e"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/></process></definitions>'.encode(
            "latin-1"
        ),
        "không mã hoá UTF-8",
        id="latin-1",
    ),
]


@pytest.mark.parametrize(("data", "message"), BROKEN)
def test_a_broken_file_is_refused_with_a_clear_message_and_nothing_stored(
    app: Flask, runtime: Runtime, data: bytes, message: str
) -> None:
    admin = signed_in(app, ADMIN)
    before = _counts(runtime)
    shown = preview(admin, data, "upload.bpmn")
    assert shown.status_code in (400, 422), shown.status_code
    assert message in shown.get_data(as_text=True)
    assert 'name="token"' not in shown.get_data(as_text=True)
    assert _counts(runtime) == before


def test_a_file_over_the_limit_is_refused_by_its_size(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    huge = _lifecycle(runtime) + b"<!--" + b"x" * MAX_BYTES + b"-->"
    shown = preview(admin, huge)
    assert shown.status_code == 400 and "Tệp lớn quá 5 MB" in _text(shown)
    over_request = preview(admin, b"x" * (11 * 1024 * 1024))
    assert over_request.status_code == 413 and "Tệp lớn quá 5 MB" in _text(over_request)


def test_each_problem_is_named_by_its_element_in_vietnamese(app: Flask, runtime: Runtime) -> None:
    """A step nobody reaches and a condition that does not compile: both listed, by id and name, with a hint."""
    admin = signed_in(app, ADMIN)
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
        b'<process id="broken" name="Broken" isExecutable="true">'
        b'<startEvent id="start"/><exclusiveGateway id="choose" default="f2"/>'
        b'<task id="lonely" name="Nobody comes here"/><endEvent id="end"/>'
        b'<sequenceFlow id="f1" sourceRef="start" targetRef="choose"/>'
        b'<sequenceFlow id="f2" sourceRef="choose" targetRef="end"/>'
        b'<sequenceFlow id="f3" sourceRef="choose" targetRef="end"><conditionExpression>a ==</conditionExpression>'
        b'</sequenceFlow><sequenceFlow id="f4" sourceRef="lonely" targetRef="end"/></process></definitions>'
    )
    shown = preview(admin, xml, "broken.bpmn")
    page = _text(shown)
    assert shown.status_code == 422
    rows = dict(re.findall(r'<tr data-element="([^"]*)">(.*?)</tr>', page))
    assert "Nobody comes here" in rows["lonely"] and "Không đến được từ sự kiện bắt đầu" in rows["lonely"]
    assert "Nối một luồng vào nó" in rows["lonely"]
    assert "điều kiện không dịch được" in rows["f3"]


def test_only_administrators_deploy(app: Flask, runtime: Runtime) -> None:
    before = _counts(runtime)
    for username in (AUDITOR, scenario.SPECIALIST):
        client = signed_in(app, username)
        assert client.get("/admin/processes/deploy").status_code == 403
        token = csrf_token(client.get("/").get_data(as_text=True))
        boundary, body = encode_multipart(
            {"csrf_token": token, "bpmn": FileStorage(io.BytesIO(_renamed(runtime)), LIFECYCLE)}
        )
        posted = client.post(
            "/admin/processes/deploy/preview", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        assert posted.status_code == 403
        assert client.post("/admin/processes/deploy/confirm", data={"csrf_token": token}).status_code == 403
    assert (
        signed_in(app, scenario.SPECIALIST).get("/admin/processes/directive_lifecycle/diff?from=1&to=1").status_code
        == 403
    )
    assert _counts(runtime) == before
    admin = signed_in(app, ADMIN)
    assert admin.post("/admin/processes/deploy/preview", data={"note": "x"}).status_code == 400  # no CSRF token


def test_a_note_too_long_is_refused_at_its_field(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    shown = preview(admin, _renamed(runtime), note="x" * 1001)
    assert shown.status_code == 400 and "Ghi chú dài quá 1000 ký tự" in _text(shown)


def test_the_invented_organisations_administrator_deploys_the_same_way(tmp_path: Path, clock: ManualClock) -> None:
    """Nothing of the reference department in the deploy: another Sở's administrator previews and confirms."""
    with invented.invented_runtime(tmp_path, clock) as runtime:
        with unit_of_work(runtime.sessions) as session:
            give_demo_passwords(session)
        app = create_app(runtime=runtime)
        app.config["TESTING"] = True
        admin = signed_in(app, invented.ADMIN)
        shown = preview(admin, _renamed(runtime), note="Sở khác")
        assert shown.status_code == 200 and "phiên bản mới 2" in _text(shown)
        assert confirm(admin, shown.get_data(as_text=True)).status_code == 302
        listing = _text(admin.get("/admin/processes"))
        assert "Ghi chú: Sở khác" in listing and "Lạng Sơn" not in listing
        diff = _text(admin.get("/admin/processes/directive_lifecycle/diff?from=1&to=2"))
        assert "tên: Ký duyệt → Ký duyệt văn bản" in diff


def test_the_cli_deploys_with_a_note(runtime: Runtime, tmp_path: Path) -> None:
    """`directive-flow deploy --note` on a database of its own: the note is stored with the new version."""
    env = {"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    changed = tmp_path / LIFECYCLE
    changed.write_bytes(_renamed(runtime))
    called = runtime.settings.bpmn_dir / "unit_execution.bpmn"
    apps: list[Flask] = []

    def factory() -> Flask:
        apps.append(create_app())
        return apps[-1]

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, list(args), env=env, obj=ScriptInfo(create_app=factory))
        assert result.exit_code == 0, result.output
        return result.output

    try:
        run("db", "upgrade")
        run("deploy", "--actor", ADMIN, str(called), str(runtime.settings.bpmn_dir / LIFECYCLE))
        said = run("deploy", "--actor", ADMIN, "--note", "từ dòng lệnh", str(changed))
    finally:
        for made in apps:
            runtime_of(made).db.dispose()
    assert "directive_lifecycle version 2" in said
    engine = make_engine(env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(ProcessDefinition.version, ProcessDefinition.note)
                .where(ProcessDefinition.key == "directive_lifecycle")
                .order_by(ProcessDefinition.version)
            )
            assert [tuple(row) for row in rows] == [(1, None), (2, "từ dòng lệnh")]
    finally:
        engine.dispose()


def test_no_damaged_file_gets_a_server_error(app: Flask, runtime: Runtime) -> None:
    """The lifecycle cut short, or with bytes changed at random: each refused or previewed, never a 500."""
    admin = signed_in(app, ADMIN)
    whole = _lifecycle(runtime)
    chance = random.Random(13)  # the same damaged files on every run
    damaged = [whole[: chance.randrange(len(whole))] for _ in range(8)]
    for _ in range(8):
        data = bytearray(whole)
        for _ in range(chance.randrange(1, 20)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        damaged.append(bytes(data))
    before = _counts(runtime)
    for data in damaged:
        shown = preview(admin, data, "damaged.bpmn")
        assert shown.status_code in (200, 400, 422), (shown.status_code, data[:200])
    assert _counts(runtime) == before

"""Modeler: administrators edit a process's BPMN in the browser, save drafts, validate, hand over to deploy.

The page (bpmn-js Modeler with a properties panel, bundled from the npm packages by `make install`
into web/static/build) opens a deployed version, a saved draft or a new empty process. What the
panel offers in its lists (roles, forms, processes) comes from the JSON endpoints here; saving a
draft and validating post the XML with the CSRF token in the X-CSRFToken header. Deploying hands
the XML to the deploy preview (`/admin/processes/deploy/preview`), which validates, shows what
changes and deploys on confirmation. Administrators only, checked on the server for every endpoint.
"""

from __future__ import annotations

import re
from typing import Any, Final

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from engine.bpmn_checks import MAX_BYTES, Problem
from engine.definitions import NS, check_domain, validate_file
from engine.errors import DeploymentError
from engine.models import ProcessDefinition
from web.accounts.auth import me
from web.admin import modeler_catalogue as catalogue
from web.admin import modeler_drafts as drafts
from web.admin.access import require_admin
from web.admin.modeler_page import page_labels
from web.core.i18n import local_datetime
from web.core.organisation import page_in_english
from web.core.requests import db, runtime

bp = Blueprint("admin_modeler", __name__, url_prefix="/admin/modeler", template_folder="templates")

#: A process key as BPMN ids and the engine's tables take it.
KEY: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,199}")
#: Room for the XML and the other fields of a save: the form parser refuses more than it is told.
FORM_LIMIT: Final = MAX_BYTES + 64 * 1024
_QUOTED_ID: Final = re.compile(r"'([^']+)'")
#: The deploy preview (web/admin/deploys.py) takes the XML as the form fields xml, filename, note.
PREVIEW_URL: Final = "/admin/processes/deploy/preview"


def _refused(message: str, field: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message, "field": field}), status


def _posted_xml() -> tuple[bytes | None, tuple[Response, int] | None]:
    """The `xml` field as bytes, or the refusal to answer with (missing, too large, not text)."""
    request.max_form_memory_size = FORM_LIMIT
    try:
        text = request.form.get("xml", "")
    except RequestEntityTooLarge:
        return None, _too_large()
    if not text.strip():
        return None, _refused(_("Trường “xml”: chưa có nội dung BPMN."), "xml")
    xml = text.encode("utf-8")
    if len(xml) > MAX_BYTES:
        return None, _too_large()
    return xml, None


def _too_large() -> tuple[Response, int]:
    return _refused(_("Trường “xml”: tệp BPMN lớn hơn %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)), "xml", 413)


@bp.errorhandler(RequestEntityTooLarge)
def _body_too_large(_exc: RequestEntityTooLarge) -> tuple[Response, int]:
    return _too_large()


# -- the page ----------------------------------------------------------------------------------


def _page(**context: Any) -> str:
    return render_template(
        "admin/modeler.html",
        labels=page_labels(),
        preview_url=PREVIEW_URL,
        form_designer_url=url_for("admin_forms.index"),
        **context,
    )


@bp.get("/<key>/v<int:version>")
@login_required  # type: ignore[untyped-decorator]
def open_version(key: str, version: int) -> str:
    """A deployed version opened for editing."""
    require_admin()
    found = db().scalar(
        select(ProcessDefinition.id).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
    )
    if found is None:
        abort(404)
    return _page(
        process_key=key,
        base_version=version,
        draft=None,
        xml_url=url_for("admin_processes.download", key=key, version=version),
    )


@bp.get("/drafts/<int:draft_id>")
@login_required  # type: ignore[untyped-decorator]
def open_draft(draft_id: int) -> str:
    """A saved draft reopened."""
    require_admin()
    draft = drafts.find(db(), draft_id)
    if draft is None:
        abort(404)
    return _page(
        process_key=draft.process_key,
        base_version=draft.base_version,
        draft=draft,
        xml_url=url_for("admin_modeler.draft_xml", draft_id=draft.id),
    )


@bp.get("/new")
@login_required  # type: ignore[untyped-decorator]
def new_process() -> str:
    """A new, empty process (the browser draws its first start event)."""
    require_admin()
    return _page(process_key="", base_version=None, draft=None, xml_url="")


@bp.get("/drafts/<int:draft_id>.bpmn")
@login_required  # type: ignore[untyped-decorator]
def draft_xml(draft_id: int) -> Response:
    """A draft's BPMN as saved."""
    require_admin()
    draft = drafts.find(db(), draft_id)
    if draft is None:
        abort(404)
    return Response(draft.bpmn_xml, mimetype="application/xml")


# -- what the panel's lists offer ------------------------------------------------------------------


@bp.get("/roles.json")
@login_required  # type: ignore[untyped-decorator]
def roles() -> Response:
    """The roles the org chart declares: what a lane may mean."""
    require_admin()
    return jsonify([c.as_json() for c in catalogue.roles(db(), page_in_english())])


@bp.get("/forms.json")
@login_required  # type: ignore[untyped-decorator]
def forms() -> Response:
    """The form keys a user task may name."""
    require_admin()
    return jsonify([c.as_json() for c in catalogue.forms(db(), runtime().services.forms)])


@bp.get("/processes.json")
@login_required  # type: ignore[untyped-decorator]
def processes() -> Response:
    """The deployed processes a call activity may call."""
    require_admin()
    return jsonify([c.as_json() for c in catalogue.process_keys(db())])


# -- validating --------------------------------------------------------------------------------


def problems_of(xml: bytes) -> list[dict[str, str | None]]:
    """Everything deploying would refuse, the domain's checks included, each tied to its element."""
    session = db()
    deployed = {c.value for c in catalogue.process_keys(session)}
    found: list[object] = []
    try:
        validate_file(xml, "modeler.bpmn", lambda key: key in deployed)
    except DeploymentError as exc:
        found += exc.details
    # The domain's checks (forms exist, lanes are roles) need a file that parses; their problems
    # would otherwise repeat the parser's.
    if not any(isinstance(p, Problem) and p.element_id is None for p in found):
        try:
            check_domain(session, runtime().services.deploy_checks, xml, "modeler.bpmn")
        except DeploymentError as exc:
            seen = {str(p) for p in found}
            found += [p for p in exc.details if str(p) not in seen]
    return [_as_json(problem) for problem in found]


def _as_json(problem: object) -> dict[str, str | None]:
    if isinstance(problem, Problem):
        return {
            "element_id": problem.element_id,
            "element_name": problem.element_name,
            "message": problem.message,
            "hint": problem.hint,
        }
    # The parser's and the engine's conventions' problems are text naming the element in quotes.
    text = str(problem)
    quoted = _QUOTED_ID.search(text)
    return {"element_id": quoted.group(1) if quoted else None, "element_name": None, "message": text, "hint": ""}


@bp.post("/validate")
@login_required  # type: ignore[untyped-decorator]
def validate() -> tuple[Response, int] | Response:
    """The problems of the posted XML (none: it may be deployed); nothing is stored."""
    require_admin()
    xml, refusal = _posted_xml()
    if refusal is not None or xml is None:
        return refusal or _too_large()
    problems = problems_of(xml)
    return jsonify({"ok": not problems, "problems": problems})


# -- drafts ------------------------------------------------------------------------------------


def _whole(field: str) -> int | str | None:
    """A whole-number field: the number, None when empty, or the field's name when it is not one."""
    value = request.form.get(field, "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 10 else field


def _process_key(xml: bytes) -> str | None:
    """The id of the file's executable process (the first, if there are several), else its first process."""
    try:
        tree = catalogue.parse(xml)
    except Exception:  # noqa: BLE001  (a draft that is not XML is refused below by its key)
        return None
    processes = list(tree.iterfind("bpmn:process", NS))
    chosen = [p for p in processes if p.get("isExecutable") == "true"] or processes
    key = chosen[0].get("id") if chosen else None
    return key if isinstance(key, str) and KEY.fullmatch(key) else None


@bp.post("/drafts")
@login_required  # type: ignore[untyped-decorator]
def save_draft() -> tuple[Response, int]:
    """Save a new draft, or over the draft named by `draft_id` when it is still at `revision`."""
    require_admin()
    xml, refusal = _posted_xml()
    if refusal is not None or xml is None:
        return refusal or _too_large()
    key = _process_key(xml)
    if key is None:
        return _refused(_("Trường “xml”: không đọc được quy trình nào (BPMN không hợp lệ)."), "xml")
    note = request.form.get("note", "").strip()
    if len(note) > drafts.NOTE_LIMIT:
        return _refused(_("Trường “Ghi chú”: dài quá %(n)d ký tự.", n=drafts.NOTE_LIMIT), "note")
    numbers = {field: _whole(field) for field in ("base_version", "draft_id", "revision")}
    for field, value in numbers.items():
        if isinstance(value, str):
            return _refused(_("Trường “%(field)s”: phải là một số nguyên dương.", field=field), field)
    base, draft_id, revision = (numbers[f] for f in ("base_version", "draft_id", "revision"))
    assert not isinstance(base, str) and not isinstance(draft_id, str) and not isinstance(revision, str)
    session, actor, now = db(), me().username, runtime().services.clock.now()
    text = xml.decode("utf-8")
    if draft_id is None:
        draft = drafts.create(session, key, base, text, note, actor=actor, at=now)
        return _saved(draft, 201)
    if revision is None:
        return _refused(_("Trường “revision”: cần số lần lưu của bản nháp đang sửa."), "revision")
    try:
        saved = drafts.overwrite(session, draft_id, revision, text, note, actor=actor, at=now)
    except drafts.DraftConflict as conflict:
        current = conflict.current
        message = _(
            "Bản nháp đã được %(who)s lưu lúc %(when)s, sau khi bạn mở nó. Không có gì được lưu: "
            "hãy mở lại bản nháp (hoặc lưu thành bản nháp mới) rồi sửa tiếp.",
            who=current.saved_by,
            when=local_datetime(current.saved_at),
        )
        return jsonify({"error": message, "field": "revision", "revision": current.revision}), 409
    if saved is None:
        return _refused(_("Trường “draft_id”: không có bản nháp này."), "draft_id", 404)
    return _saved(saved, 200)


def _saved(draft: Any, status: int) -> tuple[Response, int]:
    return jsonify(
        {
            "draft_id": draft.id,
            "revision": draft.revision,
            "process_key": draft.process_key,
            "url": url_for("admin_modeler.open_draft", draft_id=draft.id),
            "message": _("Đã lưu bản nháp (lần %(n)d).", n=draft.revision),
        }
    ), status


@bp.post("/drafts/<int:draft_id>/delete")
@login_required  # type: ignore[untyped-decorator]
def delete_draft(draft_id: int) -> WerkzeugResponse:
    """Throw a draft away, from the processes page."""
    require_admin()
    gone = drafts.delete(db(), draft_id, actor=me().username, at=runtime().services.clock.now())
    if gone is None:
        abort(404)
    flash(_("Đã xóa bản nháp số %(id)d (%(key)s).", id=draft_id, key=gone.process_key), "info")
    return redirect(url_for("admin_processes.index") + "#modeler-drafts")


@bp.app_template_global("modeler_drafts")
def modeler_drafts() -> list[drafts.DraftSummary]:
    """The saved drafts, for the processes page (read only when that page includes them)."""
    return drafts.summaries(db())

"""Biểu mẫu: the forms of user tasks designed in the browser, for administrators (auditors read them).

The list shows each designed form with its newest version; a form's page shows the designer
(the form-js editor of the npm package @bpmn-io/form-js, served from its browser build) with the
newest version, the versions before it, and a preview of the chosen version drawn as the task page
will draw it. Saving posts the design as JSON (the designer fills it in; without script the JSON
itself can be edited): it is checked on the server (workflows/forms/designed.py) and stored as the
form's next version, or refused with every problem named and nothing stored. A process's user task
names a version (`designed:<key>:<version>`); `/admin/forms.json` lists every form key, coded and
designed, for the modeler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.core.requests import db, runtime
from web.core.settings import PROJECT_ROOT
from web.tasks.form_fields import FieldView, FormOptions, describe, english
from workflows.forms import designed
from workflows.forms.designed_models import DesignedForm
from workflows.forms.designed_schema import schema_from_design
from workflows.orgchart.directory import OrgDirectory

bp = Blueprint("admin_forms", __name__, url_prefix="/admin", template_folder="templates")

READERS: Final = ("admin", "auditor")
#: Only the editor's browser build and its style sheets are served from the npm package.
EDITOR_DIST: Final = PROJECT_ROOT / "node_modules" / "@bpmn-io" / "form-js" / "dist"
EDITOR_FILES: Final = (
    "form-editor.umd.js",
    "assets/form-js.css",
    "assets/form-js-editor.css",
    "assets/properties-panel.css",
    "assets/draggle.css",
    "assets/flatpickr/light.css",
)
EMPTY_DESIGN: Final = {"type": "default", "components": []}


def _require(*roles: str) -> None:
    if not any(me().holds(role) for role in roles):
        abort(403)


@dataclass(frozen=True)
class Problem:
    """One reason the save was refused, as the page lists it."""

    where: str
    message: str


def _problems(found: list[designed.DesignProblem]) -> list[Problem]:
    return [Problem(p.where, p.message_en if english() else p.message_vi) for p in found]


def _names(rows: list[DesignedForm]) -> dict[str, str]:
    directory = OrgDirectory(db())
    return {name: (user.full_name if (user := directory.user(name)) else name) for name in {r.created_by for r in rows}}


@bp.get("/forms")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """Every designed form with its newest version."""
    _require(*READERS)
    rows = designed.newest_versions(db())
    return render_template("admin/forms.html", forms=rows, names=_names(rows))


@bp.get("/forms.json")
@login_required  # type: ignore[untyped-decorator]
def form_keys() -> Response:
    """Every form key a user task may name, coded and designed (each version), with a name, as JSON."""
    _require(*READERS)
    forms: Any = runtime().services.forms
    coded = [{"key": key, "name": key, "kind": "coded"} for key in forms.registry.form_keys()]
    rows = db().scalars(select(DesignedForm).order_by(DesignedForm.key, DesignedForm.version.desc()))
    listed = [
        {
            "key": designed.form_key(row.key, row.version),
            "name": f"{row.name} (v{row.version})",
            "kind": "designed",
            "form": row.key,
            "version": row.version,
        }
        for row in rows
    ]
    return jsonify({"forms": coded + listed})


def _preview(design: dict[str, Any]) -> list[FieldView]:
    """The fields as the task page draws them (nothing filled in)."""
    if designed.design_problems(design):
        return []
    fields, _summary = describe(schema_from_design(design, "Preview"), {}, FormOptions())
    return fields


def _page(
    *,
    key: str | None,
    name: str,
    design_text: str,
    shown: DesignedForm | None,
    versions: list[DesignedForm],
    problems: list[Problem] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    preview = _preview(shown.schema_json) if shown is not None else []
    html = render_template(
        "admin/forms_edit.html",
        key=key,
        name=name,
        design_text=design_text,
        shown=shown,
        versions=versions,
        names=_names(versions),
        preview=preview,
        problems=problems or [],
        may_edit=me().holds("admin"),
        supported=", ".join(designed.SUPPORTED),
    )
    return html, status


def _versions(key: str) -> list[DesignedForm]:
    """A form's versions, newest first."""
    query = select(DesignedForm).where(DesignedForm.key == key).order_by(DesignedForm.version.desc())
    return list(db().scalars(query))


@bp.get("/forms/new")
@login_required  # type: ignore[untyped-decorator]
def new() -> tuple[str, int]:
    """The designer with an empty form."""
    _require("admin")
    return _page(key=None, name="", design_text=json.dumps(EMPTY_DESIGN), shown=None, versions=[])


@bp.get("/forms/<key>")
@login_required  # type: ignore[untyped-decorator]
def show(key: str) -> tuple[str, int]:
    """A form: its newest version (or `?version=N`) in the designer and as a preview, and its versions."""
    _require(*READERS)
    versions = _versions(key)
    if not versions:
        abort(404)
    wanted = request.args.get("version", type=int)
    shown = next((v for v in versions if v.version == wanted), versions[0]) if wanted else versions[0]
    text = json.dumps(shown.schema_json, ensure_ascii=False, indent=1)
    return _page(key=key, name=shown.name, design_text=text, shown=shown, versions=versions)


@bp.get("/forms/<key>/v<int:version>.json")
@login_required  # type: ignore[untyped-decorator]
def download(key: str, version: int) -> Response:
    """One version's design as it was saved (form-js JSON)."""
    _require(*READERS)
    row = designed.find(db(), key, version)
    if row is None:
        abort(404)
    response = jsonify(row.schema_json)
    response.headers["Content-Disposition"] = f'attachment; filename="{key}-v{version}.json"'
    return response


@bp.post("/forms/new")
@login_required  # type: ignore[untyped-decorator]
def create() -> Response | tuple[str, int]:
    """Save a new form as its version 1; a key already in use is refused."""
    _require("admin")
    return _save(None)


@bp.post("/forms/<key>")
@login_required  # type: ignore[untyped-decorator]
def save(key: str) -> Response | tuple[str, int]:
    """Save the posted design as the form's next version (nothing when it is unchanged)."""
    _require("admin")
    if not _versions(key):
        abort(404)
    return _save(key)


def _save(key: str | None) -> Response | tuple[str, int]:
    new_key = request.form.get("key", "").strip() if key is None else key
    name = request.form.get("name", "").strip()
    text = request.form.get("schema", "")
    versions = _versions(key) if key else []
    shown = versions[0] if versions else None

    def refused(problems: list[Problem]) -> tuple[str, int]:
        return _page(
            key=key, name=name, design_text=text, shown=shown, versions=versions, problems=problems, status=422
        )

    if key is None:
        if not designed.KEY.fullmatch(new_key):
            bad = designed.BAD_KEY
            return refused([Problem(_("Mã biểu mẫu"), bad.en if english() else bad.vi)])
        if designed.latest(db(), new_key) is not None or new_key == "new":
            taken = _("Mã biểu mẫu “%(key)s” đã có: mở biểu mẫu đó để sửa.", key=new_key)
            return refused([Problem(_("Mã biểu mẫu"), taken)])
    try:
        design = json.loads(text)
    except ValueError:
        return refused([Problem(_("Thiết kế (JSON)"), _("Không đọc được JSON của thiết kế."))])
    try:
        row = designed.save(db(), new_key, name, design, actor=me().username, at=runtime().services.clock.now())
    except designed.DesignInvalid as exc:
        return refused(_problems(exc.problems))
    if shown is not None and row.id == shown.id:
        flash(_("Không có thay đổi: biểu mẫu vẫn ở phiên bản %(v)d.", v=row.version), "info")
    else:
        flash(
            _(
                "Đã lưu biểu mẫu “%(name)s” phiên bản %(v)d; quy trình dùng mã %(form_key)s.",
                name=row.name,
                v=row.version,
                form_key=designed.form_key(row.key, row.version),
            ),
            "info",
        )
    return redirect(url_for("admin_forms.show", key=row.key))


@bp.get("/forms/editor/<path:filename>")
@login_required  # type: ignore[untyped-decorator]
def editor_file(filename: str) -> Response:
    """The form-js editor's browser build and style sheets, and nothing else of node_modules."""
    _require(*READERS)
    if filename not in EDITOR_FILES:
        abort(404)
    return send_from_directory(Path(EDITOR_DIST), filename, max_age=3600)

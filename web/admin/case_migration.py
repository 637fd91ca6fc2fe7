"""Chuyển phiên bản: an administrator moves the live cases of one version of a process to another.

Choosing the process and the two versions runs the dry run (engine/migration.py `plan_migration`):
a table of the cases with the step(s) each waits at and whether it can move, or why not, in words;
nothing is stored. Confirming moves the cases the dry run found movable — each again checked by the
engine and moved in a savepoint of its own — and shows, per case, that it moved or why it stayed.
Administrators only, on the server; the engine checks again and records each move.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from engine import migration
from engine.migration import MigrationPlan, Obstacle
from engine.models import ProcessDefinition, ProcessInstance
from web.accounts.auth import me
from web.admin import case_list
from web.admin.access import require_admin
from web.core.labels import step_label
from web.core.requests import db, engine

bp = Blueprint("admin_migration", __name__, url_prefix="/admin/cases/migrate", template_folder="templates")
LIVE = ("running", "suspended")


def reason_text(obstacle: Obstacle) -> str:
    """Why a case cannot move (or did not), in words."""
    step = step_label(obstacle.step) if obstacle.step else ""
    if obstacle.kind == migration.NOT_RUNNING:
        if obstacle.detail == "suspended":
            return str(_("Hồ sơ đang tạm dừng: cho hồ sơ tiếp tục rồi chuyển."))
        return str(_("Hồ sơ đã kết thúc."))
    texts = {
        migration.WAITING_REMOVED: _("Bước đang chờ “%(step)s” không còn trong phiên bản mới.", step=step),
        migration.TIMER_REMOVED: _("Hẹn giờ đang chờ “%(step)s” không còn trong phiên bản mới.", step=step),
        migration.CALL_REMOVED: _(
            "Quy trình con đang chạy từ bước “%(step)s”, bước này không còn trong phiên bản mới.", step=step
        ),
        migration.CALL_CHANGED: _(
            "Bước “%(step)s” gọi quy trình khác trong phiên bản mới (%(detail)s) khi quy trình con đang chạy.",
            step=step,
            detail=obstacle.detail or "",
        ),
        migration.KIND_CHANGED: _("Bước đang chờ “%(step)s” đổi sang loại bước khác trong phiên bản mới.", step=step),
        migration.DONE_REMOVED: _(
            "Bước đã làm “%(step)s” không còn trong phiên bản mới (lịch sử hồ sơ cần đến bước này).", step=step
        ),
        migration.SUBPROCESS_REMOVED: _("Quy trình con “%(step)s” không còn trong phiên bản mới.", step=step),
        migration.CONFLICT: _(
            "Hồ sơ vừa được người khác xử lý trong lúc chuyển: hồ sơ giữ nguyên phiên bản cũ, hãy chạy thử lại."
        ),
        migration.FAILED: _(
            "Không chuyển được, hồ sơ giữ nguyên phiên bản cũ: %(detail)s", detail=obstacle.detail or ""
        ),
    }
    return str(texts.get(obstacle.kind, obstacle.kind))


def _versions(key: str) -> list[tuple[ProcessDefinition, int]]:
    """The versions of a process, newest first, each with how many cases run on it."""
    query = (
        select(ProcessInstance.definition_id, func.count())
        .where(ProcessInstance.process_key == key, ProcessInstance.status.in_(LIVE))
        .group_by(ProcessInstance.definition_id)
    )
    live = dict(db().execute(query).all())
    rows = db().scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key).order_by(ProcessDefinition.version.desc())
    )
    return [(row, int(live.get(row.id, 0))) for row in rows]


Versions = list[tuple[ProcessDefinition, int]]


def _choice(source: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str], tuple[int, int] | None, Versions]:
    """The process and versions asked for: (values, errors by field, the two definition ids, the versions)."""
    values = {name: (source.get(name) or "").strip()[:200] for name in ("process", "from_version", "to_version")}
    errors: dict[str, str] = {}
    processes = {key for key, _name in case_list.process_choices(db())}
    if not values["process"]:
        return values, errors, None, []
    if values["process"] not in processes:
        errors["process"] = _("Quy trình không tồn tại.")
        return values, errors, None, []
    versions = _versions(values["process"])
    by_number = {str(row.version): row for row, _count in versions}
    for name in ("from_version", "to_version"):
        if not values[name]:
            errors[name] = _("Chọn phiên bản.")
        elif values[name] not in by_number:
            errors[name] = _("Phiên bản này không có trong quy trình đã chọn.")
    if not errors and values["from_version"] == values["to_version"]:
        errors["to_version"] = _("Phiên bản đích phải khác phiên bản hiện tại của hồ sơ.")
    if errors:
        return values, errors, None, versions
    ids = (by_number[values["from_version"]].id, by_number[values["to_version"]].id)
    return values, errors, ids, versions


def _render(template: str, status: int = 200, **context: object) -> ResponseReturnValue:
    return render_template(
        template, processes=case_list.process_choices(db()), reason_text=reason_text, **context
    ), status


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> ResponseReturnValue:
    """The choice of process and versions, and once chosen the dry run."""
    require_admin()
    values, errors, ids, versions = _choice(request.args)
    plan: MigrationPlan | None = None
    if ids is not None:
        plan = engine().plan_migration(ids[0], ids[1], me().username)
    return _render(
        "admin/migrate.html", 400 if errors else 200, values=values, errors=errors, versions=versions, plan=plan
    )


@bp.post("")
@login_required  # type: ignore[untyped-decorator]
def confirm() -> ResponseReturnValue:
    """Move the cases the dry run found movable; show what moved and what stayed, and why."""
    require_admin()
    values, errors, ids, versions = _choice(request.form)
    chosen = [int(value) for value in request.form.getlist("instance") if value.isdigit()]
    if ids is None or errors:
        errors = errors or {"process": _("Chọn quy trình.")}
        return _render("admin/migrate.html", 400, values=values, errors=errors, versions=versions, plan=None)
    if not chosen:
        errors["instance"] = _("Không có hồ sơ nào để chuyển.")
        return _render("admin/migrate.html", 400, values=values, errors=errors, versions=versions, plan=None)
    plan = engine().migrate(ids[0], ids[1], me().username, only=chosen)
    return _render("admin/migrate_results.html", values=values, plan=plan)

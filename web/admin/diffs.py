"""The visual diff of a process: two diagrams side by side with the changes marked, and the changes in words.

Shown before every deploy (web/admin/deploys.py) for each process of the file against the version new
cases start on, and between any two deployed versions at /admin/processes/<key>/diff?from=V&to=W.
The old diagram marks what was removed (red) and changed (amber), the new one what was added
(green) and changed; web/static/js/process-diff.js draws them with the bpmn-js viewer, and the
list under them says the same in words, so the page reads without the diagrams too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine.models import ProcessDefinition
from web.admin import bpmn_diff
from web.admin.access import require_reader
from web.admin.bpmn_diff import Change, Element, ProcessDiff
from web.core.requests import db

if TYPE_CHECKING:
    from web.admin.deploy_preview import Preview

bp = Blueprint("admin_diffs", __name__, url_prefix="/admin/processes", template_folder="templates")


@dataclass(frozen=True)
class Section:
    """One process's diff as the page shows it."""

    key: str
    name: str
    diff: ProcessDiff
    old_label: str | None  # None: the process is new, there is no old diagram
    new_label: str
    old_xml_url: str | None
    new_xml_url: str | None  # None: the new diagram is the file being previewed, in the page
    identical: bool = False

    @property
    def marks(self) -> str:
        """The markers, as JSON for a data attribute."""
        return json.dumps(self.diff.marks())


def type_name(element_type: str) -> str:
    """A BPMN element type in words."""
    names = {
        "process": _("quy trình"),
        "task": _("bước"),
        "userTask": _("bước của người dùng"),
        "manualTask": _("bước thủ công"),
        "scriptTask": _("bước kịch bản"),
        "serviceTask": _("bước dịch vụ"),
        "sendTask": _("bước gửi"),
        "receiveTask": _("bước nhận"),
        "businessRuleTask": _("bước quy tắc nghiệp vụ"),
        "callActivity": _("bước gọi quy trình"),
        "subProcess": _("quy trình con"),
        "startEvent": _("sự kiện bắt đầu"),
        "endEvent": _("sự kiện kết thúc"),
        "intermediateCatchEvent": _("sự kiện chờ"),
        "intermediateThrowEvent": _("sự kiện phát"),
        "boundaryEvent": _("sự kiện biên"),
        "exclusiveGateway": _("cổng rẽ nhánh loại trừ"),
        "inclusiveGateway": _("cổng rẽ nhánh bao hàm"),
        "parallelGateway": _("cổng song song"),
        "eventBasedGateway": _("cổng theo sự kiện"),
        "sequenceFlow": _("luồng"),
        "lane": _("làn"),
        "laneSet": _("bộ làn"),
        "dataObject": _("đối tượng dữ liệu"),
        "dataObjectReference": _("tham chiếu dữ liệu"),
        "textAnnotation": _("chú thích"),
        "association": _("liên kết"),
    }
    return str(names.get(element_type, element_type))


def element_words(element: Element) -> str:
    """An element as the list names it: its type, its name in quotes, its id."""
    if element.name:
        return str(_("%(type)s “%(name)s” (%(id)s)", type=type_name(element.type), name=element.name, id=element.id))
    return str(_("%(type)s %(id)s", type=type_name(element.type), id=element.id))


def change_words(change: Change) -> list[str]:
    """Each aspect of a change in words, with its value before and after."""
    labels = {
        bpmn_diff.NAME: _("tên"),
        bpmn_diff.TYPE: _("loại"),
        bpmn_diff.CONDITION: _("điều kiện"),
        bpmn_diff.SCRIPT: _("kịch bản"),
        bpmn_diff.PROPERTIES: _("thuộc tính"),
        bpmn_diff.LANE: _("làn (vai trò)"),
        bpmn_diff.FLOW: _("nối từ → tới"),
        bpmn_diff.TIMER: _("hẹn giờ"),
        bpmn_diff.CALLED: _("quy trình được gọi"),
    }
    words = []
    for aspect, (before, after) in change.aspects.items():
        if aspect == bpmn_diff.OTHER:
            words.append(_("khác trong XML: %(what)s", what=before) if before else _("khác trong XML"))
        elif aspect == bpmn_diff.TYPE:
            words.append(
                _(
                    "%(what)s: %(before)s → %(after)s",
                    what=labels[aspect],
                    before=type_name(before),
                    after=type_name(after),
                )
            )
        else:
            words.append(
                _("%(what)s: %(before)s → %(after)s", what=labels[aspect], before=before or "—", after=after or "—")
            )
    return words


def words() -> dict[str, Any]:
    """What the diff templates name elements and changes with."""
    return {"type_name": type_name, "element_words": element_words, "change_words": change_words}


def diff_sections(preview: Preview) -> list[Section]:
    """A section for each process of a clean previewed file (none for a file with problems)."""
    sections = []
    for plan in preview.plans:
        diff = preview.diffs.get(plan.key)
        if diff is None:
            continue
        old_label = _("Phiên bản %(v)d (hiện hành)", v=plan.current) if plan.current else None
        new_label = _("Tệp tải lên (sẽ là phiên bản %(v)d)", v=plan.version) if plan.new else _("Tệp tải lên")
        sections.append(
            Section(
                plan.key,
                plan.name,
                diff,
                old_label,
                new_label,
                url_for("admin_processes.download", key=plan.key, version=plan.current) if plan.current else None,
                None,
                identical=not plan.new,
            )
        )
    return sections


def _version(key: str, version: int | None) -> ProcessDefinition:
    row = None
    if version is not None:
        row = db().scalar(
            select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
        )
    if row is None:
        abort(404)
    return row


@bp.get("/<key>/diff")
@login_required  # type: ignore[untyped-decorator]
def between(key: str) -> Any:
    """What changed in a process from one deployed version to another."""
    require_reader()
    old = _version(key, request.args.get("from", type=int))
    new = _version(key, request.args.get("to", type=int))
    diff = bpmn_diff.process_diff(bpmn_diff.parse(old.bpmn_xml), bpmn_diff.parse(new.bpmn_xml), key)
    section = Section(
        key,
        new.name,
        diff,
        _("Phiên bản %(v)d", v=old.version),
        _("Phiên bản %(v)d", v=new.version),
        url_for("admin_processes.download", key=key, version=old.version),
        url_for("admin_processes.download", key=key, version=new.version),
    )
    versions = list(
        db().scalars(
            select(ProcessDefinition.version).where(ProcessDefinition.key == key).order_by(ProcessDefinition.version)
        )
    )
    return render_template("admin/diff.html", section=section, old=old, new=new, versions=versions, **words())

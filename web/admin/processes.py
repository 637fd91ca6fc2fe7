"""Quy trình: every deployed process with its versions, for administrators (and auditors, who read them).

Each version shows who deployed it and when, from which file, and how many cases run on it and
have finished on it, with the note it was deployed with; the newest is the one new cases start on.
Any version's BPMN downloads as it was deployed, and any two versions compare on a diagram
(web/admin/diffs.py). Administrators deploy a new file from here (web/admin/deploys.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint, Response, abort, render_template
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from engine.models import ProcessDefinition, ProcessInstance
from web.accounts.auth import me
from web.admin.access import require_reader
from web.core.requests import db
from workflows.orgchart.directory import OrgDirectory

bp = Blueprint("admin_processes", __name__, url_prefix="/admin/processes", template_folder="templates")

LIVE = ("running", "suspended")


@dataclass(frozen=True)
class Version:
    """One deployed version and the cases on it."""

    id: int
    version: int
    filename: str
    checksum: str
    deployed_by: str
    deployed_at: datetime
    note: str | None
    running: int
    finished: int


@dataclass
class Process:
    """A process key with its versions, newest first (the first is the one new cases start on)."""

    key: str
    name: str
    versions: list[Version] = field(default_factory=list)


def processes() -> list[Process]:
    """Every process, by name, with its versions newest first and the cases on each."""
    session = db()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    query = select(ProcessInstance.definition_id, ProcessInstance.status, func.count()).group_by(
        ProcessInstance.definition_id, ProcessInstance.status
    )
    for definition_id, status, count in session.execute(query):
        counts[definition_id][status] = count
    rows = session.scalars(
        select(ProcessDefinition)
        .options(
            load_only(
                ProcessDefinition.key,
                ProcessDefinition.name,
                ProcessDefinition.version,
                ProcessDefinition.filename,
                ProcessDefinition.checksum,
                ProcessDefinition.deployed_by,
                ProcessDefinition.deployed_at,
                ProcessDefinition.note,
            )
        )
        .order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
    )
    found: dict[str, Process] = {}
    for row in rows:
        process = found.setdefault(row.key, Process(row.key, row.name))
        on = counts.get(row.id, {})
        process.versions.append(
            Version(
                row.id,
                row.version,
                row.filename,
                row.checksum,
                row.deployed_by,
                row.deployed_at,
                row.note,
                sum(on.get(status, 0) for status in LIVE),
                sum(count for status, count in on.items() if status not in LIVE),
            )
        )
    return sorted(found.values(), key=lambda p: p.name.casefold())


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """The processes and their versions."""
    require_reader()
    found = processes()
    directory = OrgDirectory(db())
    people = {v.deployed_by for p in found for v in p.versions}
    names = {username: (user.full_name if (user := directory.user(username)) else username) for username in people}
    return render_template("admin/processes.html", processes=found, names=names, can_deploy=me().holds("admin"))


@bp.get("/<key>/v<int:version>.bpmn")
@login_required  # type: ignore[untyped-decorator]
def download(key: str, version: int) -> Response:
    """One version's BPMN as it was deployed."""
    require_reader()
    row = db().scalar(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
    )
    if row is None:
        abort(404)
    response = Response(row.bpmn_xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{row.key}-v{row.version}.bpmn"'
    return response

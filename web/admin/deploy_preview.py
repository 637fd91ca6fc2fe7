"""A deploy rehearsed: the engine's own deploy run in a savepoint that is always rolled back.

Running `Engine.deploy` itself, rather than a copy of its checks, means the preview refuses exactly
what the deploy would refuse (engine/bpmn_checks.py, the parser, the engine's conventions and any
check the engine is given later) and tells which version each process would get; nothing of it
stays, the audit event included (a rolled-back savepoint leaves no gap in the chain, engine/audit.py).
The confirmation runs the same deploy again in the request's transaction and keeps it only when it
does what the preview promised (`Plan`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.definitions import checksum
from engine.errors import DeploymentError
from engine.models import ProcessDefinition
from engine.runtime import Engine
from web.admin.bpmn_diff import ProcessDiff, parse, process_diff
from web.admin.deploy_problems import Shown, elements_of, explain, general, not_executable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessPlan:
    """What deploying the file does to one process: a new version, or the version it is identical to."""

    key: str
    name: str
    version: int
    new: bool
    current: int | None  # the version new cases start on before this deploy (None: a new process)


@dataclass
class Preview:
    """A file checked by a rehearsed deploy: its problems, or what it would deploy and how each process changes."""

    filename: str
    xml: bytes
    note: str | None
    problems: list[Shown] = field(default_factory=list)
    plans: list[ProcessPlan] = field(default_factory=list)
    diffs: dict[str, ProcessDiff] = field(default_factory=dict)
    #: The XML of each process's current version, for the diagram beside the new one.
    current_xml: dict[str, str] = field(default_factory=dict)

    @property
    def checksum(self) -> str:
        """The file's SHA-256, as the deploy stores it."""
        return checksum(self.xml)

    @property
    def ok(self) -> bool:
        """No problem: the file deploys."""
        return not self.problems

    @property
    def changes_anything(self) -> bool:
        """Whether confirming makes at least one new version."""
        return any(plan.new for plan in self.plans)

    def promise(self) -> list[list[Any]]:
        """What confirming must do, to compare with what it does when confirmed."""
        return [[plan.key, plan.version, plan.new] for plan in self.plans]


def _latest(session: Session) -> dict[str, ProcessDefinition]:
    latest: dict[str, ProcessDefinition] = {}
    for row in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version)):
        latest[row.key] = row
    return latest


def deploy_or_rehearse(
    session: Session, engine: Engine, xml: bytes, filename: str, actor: str, note: str | None, *, keep: Any
) -> Preview:
    """Deploy the file in a savepoint; keep it when `keep(preview)` says so, else roll it back.

    The preview always comes back with the file's problems or its plan and diffs; any failure of the
    parser on a file it was never meant to read becomes a problem of the file, never an error page.
    """
    preview = Preview(filename, xml, note)
    latest = _latest(session)
    root, elements = elements_of(xml)
    savepoint = session.begin_nested()
    kept = False
    try:
        definitions = engine.deploy(xml, filename, actor, note)
        preview.plans = [
            ProcessPlan(
                d.key,
                d.name,
                d.version,
                d.key not in latest or d.version > latest[d.key].version,
                latest[d.key].version if d.key in latest else None,
            )
            for d in definitions
        ]
        kept = bool(keep(preview))
    except DeploymentError as error:
        preview.problems = not_executable(root) if _no_executable(error) else explain(error, elements)
    except UnicodeDecodeError:
        preview.problems = [
            general(_("Tệp không mã hoá UTF-8."), _("Lưu lại tệp với mã UTF-8 (trình soạn BPMN nào cũng làm được)."))
        ]
    except Exception as exc:  # noqa: BLE001 - a file the parser chokes on is the file's problem, shown as such
        log.warning("BPMN file %s could not be read: %r", filename, exc)
        preview.problems = [
            general(
                _("Trình phân tích BPMN không đọc được tệp (%(error)s).", error=type(exc).__name__),
                _("Mở tệp trong trình soạn BPMN, lưu lại rồi tải lên lại."),
            )
        ]
    finally:
        if kept:
            savepoint.commit()
        else:
            savepoint.rollback()
    if preview.ok and root is not None:
        for plan in preview.plans:
            old = latest.get(plan.key)
            preview.diffs[plan.key] = process_diff(parse(old.bpmn_xml) if old else None, root, plan.key)
            if old is not None:
                preview.current_xml[plan.key] = old.bpmn_xml
    return preview


def _no_executable(error: DeploymentError) -> bool:
    return any("no executable process" in problem for problem in error.problems)

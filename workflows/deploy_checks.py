"""What a process must satisfy in this domain to be deployed: every user task has a form and a known role.

The engine checks a file's own consistency (engine/bpmn_checks.py, engine/definitions.py: every user
task sits in a lane and names a form key). Only the domain knows which forms exist — the coded ones
registered with the application and the versions designed in the browser (workflows/forms/designed.py)
— and which roles the organisation chart declares (workflows/orgchart/models.py `Role`), so that a
task no one could ever fill in or be offered is refused at deploy, not found when a case reaches it.

Lanes are judged only against a chart that declares roles: before any chart is loaded (a fresh
database, where `directive-flow setup` loads the chart first) there is nothing to judge them by.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn_checks import Problem
from workflows.forms.base import FormRegistry
from workflows.forms.designed import find, is_designed, parse_form_key
from workflows.orgchart.models import Role


class ProcessChecks:
    """The engine's DeployCheck port for the directive domain (wired in web/core/composition.py)."""

    def __init__(self, registry: FormRegistry) -> None:
        self.registry = registry

    def __call__(self, session: Session, process_id: str, metadata: Mapping[str, Any]) -> list[Problem]:
        """The problems of one process: unknown forms and lanes that are not roles of the chart."""
        roles = set(session.scalars(select(Role.code)))
        problems: list[Problem] = []
        for task_id, task in (metadata.get("user_tasks") or {}).items():
            title = str(task.get("title") or task_id)
            form_key = (task.get("properties") or {}).get("formKey")
            if form_key and not self._form_exists(session, form_key):
                problems.append(Problem(f"the form {form_key!r} does not exist", task_id, title, _form_hint(form_key)))
            role = task.get("role")
            if roles and role and role not in roles:
                hint = "name the lane after a role of the org chart: " + ", ".join(sorted(roles))
                problems.append(Problem(f"the lane {role!r} is not a role of the org chart", task_id, title, hint))
        return problems

    def _form_exists(self, session: Session, form_key: str) -> bool:
        if not is_designed(form_key):
            return form_key in self.registry
        named = parse_form_key(form_key)
        return named is not None and find(session, *named) is not None


def _form_hint(form_key: str) -> str:
    if not is_designed(form_key):
        return "use a form of the application or one designed under Biểu mẫu (designed:<key>:<version>)"
    if parse_form_key(form_key) is None:
        return "a designed form is named designed:<key>:<version>, e.g. designed:format_check:2"
    return "save the form under Biểu mẫu first, or name a version that exists"

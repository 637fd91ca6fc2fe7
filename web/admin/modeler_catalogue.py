"""What the modeler's panel offers in its lists: the chart's roles, the known forms, the deployed processes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import ProcessDefinition
from workflows.forms.adapter import EngineForms
from workflows.forms.designed import form_key, newest_versions
from workflows.orgchart.models import Role


@dataclass(frozen=True)
class Choice:
    """One option of a list in the panel: the value written into the BPMN and the words shown."""

    value: str
    label: str

    def as_json(self) -> dict[str, str]:
        """The option for the browser."""
        return {"value": self.value, "label": self.label}


def roles(session: Session, english: bool) -> list[Choice]:
    """The roles the org chart declares, in its order, named in the page's language."""
    found = session.scalars(select(Role).order_by(Role.position, Role.code))
    return [Choice(r.code, f"{(r.name_en or r.name) if english else r.name} ({r.code})") for r in found]


def forms(session: Session, services_forms: Any) -> list[Choice]:
    """The form keys a user task may name: the forms of code, then the newest version of each designed form."""
    choices: list[Choice] = []
    if isinstance(services_forms, EngineForms):
        choices += [Choice(key, key) for key in services_forms.registry.form_keys()]
    for designed in newest_versions(session):
        value = form_key(designed.key, designed.version)
        choices.append(Choice(value, f"{designed.name} ({value})"))
    return choices


def process_keys(session: Session) -> list[Choice]:
    """Every deployed process key with the name of its newest version."""
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    rows = session.execute(
        select(ProcessDefinition.key, ProcessDefinition.name)
        .join(newest, (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.version))
        .order_by(ProcessDefinition.key)
    )
    return [Choice(key, f"{name} ({key})") for key, name in rows]


def parse(xml: bytes) -> Any:
    """The file's tree, read as the engine reads it (no DTD, no entities, nothing fetched)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(xml, parser=parser)

"""English names the diagrams give their elements (`name_en`), for the steps the catalogue does not know.

An administrator who adds a step in the modeler gives it an English name there, kept in the BPMN as
a spiffworkflow property `name_en`; pages drawn in English show it. The names are read from every
deployed definition and kept per process (each gunicorn worker, the job worker), rebuilt when the
set of deployed definitions changes: versions are never edited or deleted, so their count and
highest id say whether another process deployed since. A name given by several versions or
processes takes the newest deployment's English.
"""

from __future__ import annotations

import threading
from typing import Any, Final

from flask import g
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.definitions import NS
from engine.models import ProcessDefinition

ENGLISH_PROPERTY: Final = "name_en"
_NAME_EN: Final = f"bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='{ENGLISH_PROPERTY}']"


class _Kept:
    def __init__(self) -> None:
        self.token: tuple[int, int | None] | None = None
        self.names: dict[str, str] = {}
        self.lock = threading.Lock()


_KEPT: Final = _Kept()


def names_in(xml: str) -> dict[str, str]:
    """Each named element's name with its English, as one BPMN file gives them."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml.encode("utf-8"), parser=parser)
    found: dict[str, str] = {}
    for element in root.iter():
        name = element.get("name") if isinstance(element.tag, str) else None
        if not name:
            continue
        english: Any = element.find(_NAME_EN, NS)
        value = english.get("value") if english is not None else None
        if value and value.strip():
            found[name] = value.strip()
    return found


def english_names(session: Session) -> dict[str, str]:
    """The English of every name the deployed definitions give one, read again only after a deploy."""
    count, highest = session.execute(select(func.count(ProcessDefinition.id), func.max(ProcessDefinition.id))).one()
    token = (int(count), highest)
    if _KEPT.token == token:
        return _KEPT.names
    names: dict[str, str] = {}
    for xml in session.scalars(select(ProcessDefinition.bpmn_xml).order_by(ProcessDefinition.id)):
        names.update(names_in(xml))
    with _KEPT.lock:
        _KEPT.token, _KEPT.names = token, names
    return names


def english_name(session: Session, name: str) -> str | None:
    """A name's English from the diagrams, checked against the database once per request."""
    if "english_names" not in g:
        g.english_names = english_names(session)
    found: str | None = g.english_names.get(name)
    return found

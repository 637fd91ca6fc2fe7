"""What units report on a directive: its figures and questions, defined per directive or from a template.

The drafter defines the report in the draft (or picks one of the templates the agency keeps in
``data/report_templates.json``); the definition travels with the case as ``report_figures`` and
``report_questions``. The unit's report form is built from it, so a unit can report exactly those
figures and answer exactly those questions, and the consolidation sums and lists exactly those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

TEMPLATES_FILE: Final = Path(__file__).parent / "data" / "report_templates.json"
#: The keys of a case's data that hold its report definition.
FIGURES_KEY, QUESTIONS_KEY = "report_figures", "report_questions"


@dataclass(frozen=True)
class Figure:
    """A whole number (zero or more) each unit reports: ``name`` is its key in the report."""

    name: str
    label: str
    unit: str
    label_en: str = ""


@dataclass(frozen=True)
class Question:
    """A question each unit answers in words; ``required`` answers may not be left blank."""

    name: str
    text: str
    required: bool = True


@dataclass(frozen=True)
class ReportDefinition:
    """The figures and questions of a directive's report."""

    figures: tuple[Figure, ...]
    questions: tuple[Question, ...]

    def as_data(self) -> dict[str, list[dict[str, Any]]]:
        """The definition as the case's data keeps it."""
        return {
            FIGURES_KEY: [
                {"name": f.name, "label": f.label, "unit": f.unit, **({"label_en": f.label_en} if f.label_en else {})}
                for f in self.figures
            ],
            QUESTIONS_KEY: [
                {"name": q.name, "text": q.text, "required": "yes" if q.required else "no"} for q in self.questions
            ],
        }


@dataclass(frozen=True)
class Template:
    """A report the agency keeps for drafters to pick."""

    code: str
    name: str
    definition: ReportDefinition


def _figure(raw: Mapping[str, Any]) -> Figure:
    return Figure(
        name=str(raw["name"]),
        label=str(raw["label"]),
        unit=str(raw.get("unit") or ""),
        label_en=str(raw.get("label_en") or ""),
    )


def _question(raw: Mapping[str, Any]) -> Question:
    required = raw.get("required", "yes")
    return Question(str(raw["name"]), str(raw["text"]), required not in (False, "no"))


def definition_from(figures: Sequence[Mapping[str, Any]], questions: Sequence[Mapping[str, Any]]) -> ReportDefinition:
    """A definition from the plain records a case's data holds."""
    return ReportDefinition(tuple(_figure(f) for f in figures), tuple(_question(q) for q in questions))


@cache
def templates() -> dict[str, Template]:
    """The agency's report templates by code, in the file's order."""
    raw = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return {
        str(item["code"]): Template(
            str(item["code"]),
            str(item["name"]),
            definition_from(item.get("figures", []), item.get("questions", [])),
        )
        for item in raw["templates"]
    }


def default_template() -> Template:
    """The template a report gets when its draft defines nothing (the first one kept)."""
    return next(iter(templates().values()))


def definition_of(data: Mapping[str, Any] | None) -> ReportDefinition:
    """The report definition in a case's (or unit's) data; the default template's when there is none.

    Cases drafted before reports were defined per directive carry no definition: they reported the
    default template's figures.
    """
    data = data or {}
    if FIGURES_KEY not in data and QUESTIONS_KEY not in data:
        return default_template().definition
    return definition_from(data.get(FIGURES_KEY) or [], data.get(QUESTIONS_KEY) or [])

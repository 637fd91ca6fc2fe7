"""Who may cancel an instance: the process property `cancelRoles`, "role@unit-expression, …" (bpmn/README.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .ports import Directory


def grants(
    directory: Directory, actor: str, rules: Sequence[Sequence[str]], data: Mapping[str, Any], environment: Any
) -> bool:
    """Whether `actor` holds one of the rules' roles in the unit its expression names in `data`."""
    return any(directory.may_act(actor, role, _unit_named(environment, expression, data)) for role, expression in rules)


def _unit_named(environment: Any, expression: str, data: Mapping[str, Any]) -> str:
    """The unit a rule's expression names in the instance's data ("" when it names none)."""
    try:
        unit = environment.evaluate(expression, dict(data))
    except Exception:  # noqa: BLE001 - a rule that cannot name a unit grants nothing
        return ""
    return str(unit) if unit else ""

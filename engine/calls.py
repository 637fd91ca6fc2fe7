"""Data handed to a child instance and back: the called process's declared inputs and outputs."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from .errors import WorkflowError
from .instances import LoadedInstance


def call_inputs(call: Any, child_spec: Any) -> dict[str, Any]:
    """What a call activity passes to its child: the declared data inputs, or all its data."""
    io = getattr(child_spec, "io_specification", None)
    if io is None or not io.data_inputs:
        return deepcopy(dict(call.data))
    missing = [var.bpmn_id for var in io.data_inputs if var.bpmn_id not in call.data]
    if missing:
        raise WorkflowError(
            f"call {call.task_spec.bpmn_id!r} lacks the data inputs {missing}", task_spec=call.task_spec.bpmn_id
        )
    return {var.bpmn_id: deepcopy(call.data[var.bpmn_id]) for var in io.data_inputs}


def call_outputs(child: LoadedInstance) -> dict[str, Any]:
    """What a finished child hands back: its declared data outputs, or all its final data."""
    end = child.workflow.get_next_task(spec_name="End")
    data = dict(end.data) if end is not None else dict(child.workflow.last_task.data)
    io = getattr(child.workflow.spec, "io_specification", None)
    if io is None or not io.data_outputs:
        return deepcopy(data)
    return {var.bpmn_id: deepcopy(data.get(var.bpmn_id)) for var in io.data_outputs}


def text_or_none(value: Any) -> str | None:
    """A form value as text for a task row's column (None when empty)."""
    return str(value) if value not in (None, "") else None

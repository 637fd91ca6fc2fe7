"""Data handed to a child instance and back: the called process's declared inputs and outputs."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.util.task import TaskState

from .errors import WorkflowError
from .instances import LoadedInstance
from .specs import ExternalCallActivity


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


def current_data(workflow: Any) -> dict[str, Any]:
    """The data a reader means by "the case's data now".

    A finished workflow: what reached its end. A running one: the data of the step it is at (the
    most recently started of its open steps). Calls to child instances hold only what they passed
    on, and the last *completed* task may be one such call, so neither stands for the case.
    """
    if workflow.completed:
        end = workflow.get_next_task(spec_name="End")
        if end is not None:
            return dict(end.data)
    open_steps = [
        task
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.STARTED)
        if not isinstance(task.task_spec, ExternalCallActivity)
    ]
    if open_steps:
        return dict(max(open_steps, key=lambda task: task.last_state_change).data)
    last = workflow.last_task
    return dict(last.data) if last is not None else dict(workflow.data)

"""Task-spec and event-definition variants that make SpiffWorkflow fit the engine.

- `ExternalCallActivity`: a call activity that does not run the called process inside the
  caller's state but waits (STARTED) while the engine runs it as a child instance with its own
  rows, as Camunda does; the engine completes it when the child ends.
- Clocked timers: SpiffWorkflow's timers read the wall clock; these read the clock the engine
  injects into the script engine, so deadlines can be rehearsed and tested.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.specs.defaults import CallActivity, ParallelMultiInstanceTask
from SpiffWorkflow.util.task import TaskState

CHILD_INSTANCE_KEY = "child_instance_id"
# Set on a call whose child instance was cancelled: the call completes and hands back nothing.
RELEASED_KEY = "child_released"


class ExternalCallActivity(CallActivity):  # type: ignore[misc]
    """A call activity whose called process runs as a separate, linked instance."""

    def _update_hook(self, my_task: Any) -> bool:
        # Behave like an ordinary activity on arrival (inherit data, run any pre-script),
        # skipping SubWorkflowTask, which would embed the called process in this state.
        return bool(super(SubWorkflowTask, self)._update_hook(my_task))

    def _run_hook(self, my_task: Any) -> None:
        # None leaves the task STARTED: it waits for the engine to report the child's end.
        return None

    def _on_cancel(self, my_task: Any) -> None:
        # The engine cancels the child instance from its own rows.
        super(SubWorkflowTask, self)._on_cancel(my_task)


class OrderedParallelMultiInstance(ParallelMultiInstanceTask):  # type: ignore[misc]
    """A parallel multi-instance whose output list follows the order of its input items.

    SpiffWorkflow appends each child's output as it finishes; children that are separate
    instances finish in whatever order people work, so place each output at its item's index.
    """

    def merge_child(self, workflow: Any, child: Any) -> None:
        my_task = child.parent
        index = child.internal_data.get("key_or_index")
        output = self.data_output.get(my_task) if self.data_output is not None else None
        if child.internal_data.get(RELEASED_KEY):
            # A cancelled instance contributes nothing; the others go on without it.
            my_task.internal_data["merged"].append(str(child.id))
        elif isinstance(output, list) and isinstance(index, int) and self.output_item is not None:
            if not self.output_item.exists(child):
                self.raise_data_exception("Expected an output item", child)
            output.extend([None] * (index + 1 - len(output)))
            output[index] = self.output_item.get(child)
            my_task.internal_data["merged"].append(str(child.id))
        else:
            super().merge_child(workflow, child)
            return
        # What SpiffWorkflow's parallel multi-instance does once a child's output is merged.
        if self.check_completion_condition(my_task):
            for instance in self._instances(my_task):
                instance.cancel()
            self._close_gaps(output)
            my_task._set_state(TaskState.READY)
        elif self._all_merged(my_task) and self.children_complete(my_task):
            self._close_gaps(output)
            my_task._set_state(TaskState.READY)

    def _all_merged(self, my_task: Any) -> bool:
        # Counting merges first spares a walk over every instance after each one of N merges.
        if self.data_input is None:
            return True
        items = self.data_input.get(my_task)
        return not hasattr(items, "__len__") or len(my_task.internal_data["merged"]) >= len(items)

    @staticmethod
    def _close_gaps(output: Any) -> None:
        # Places kept for released instances are dropped once every instance has ended.
        if isinstance(output, list):
            output[:] = [item for item in output if item is not None]


def is_waiting_call(task: Any) -> bool:
    """True for a started external call activity that has no child instance yet."""
    return (
        isinstance(task.task_spec, ExternalCallActivity)
        and task.state == TaskState.STARTED
        and CHILD_INSTANCE_KEY not in task.internal_data
    )


def _engine_now(my_task: Any) -> datetime:
    clock = getattr(my_task.workflow.script_engine, "clock", None)
    return clock.now() if clock is not None else datetime.now(UTC)


class ClockedTimeDateEventDefinition(TimeDateEventDefinition):  # type: ignore[misc]
    """A timeDate timer that asks the injected clock what time it is."""

    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.parse_time_or_duration(event_value) <= _engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockedDurationTimerEventDefinition(DurationTimerEventDefinition):  # type: ignore[misc]
    """A timeDuration timer measured from the injected clock."""

    def has_fired(self, my_task: Any) -> bool:
        now = _engine_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            delta = TimerEventDefinition.get_timedelta_from_start(parsed, now)
            event_value = (now + delta).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


CLOCKED_TIMERS: dict[type, type] = {
    TimeDateEventDefinition: ClockedTimeDateEventDefinition,
    DurationTimerEventDefinition: ClockedDurationTimerEventDefinition,
}


def timer_due(task: Any) -> datetime | None:
    """When a waiting timer task fires, once its expression has been evaluated."""
    value = task._get_internal_data("event_value")
    if not isinstance(value, str):
        return None
    moment: datetime = TimerEventDefinition.get_datetime(value)
    return moment.astimezone(UTC)

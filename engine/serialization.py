"""Workflow state to JSON and back, only through SpiffWorkflow's serializer.

The spec is not stored with each instance: it belongs to the definition version, is parsed once
per process (see `SpecCache`), and is given back on restore. An instance row thus holds only
its own tasks and data.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import SpiffMultiInstanceConverter, SubWorkflowTaskConverter

from .specs import (
    ClockedDurationTimerEventDefinition,
    ClockedTimeDateEventDefinition,
    ExternalCallActivity,
    OrderedParallelMultiInstance,
)


class SpeclessWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Converts a workflow without its spec; the caller supplies the spec to restore it."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[ExternalCallActivity] = SubWorkflowTaskConverter
    config[OrderedParallelMultiInstance] = SpiffMultiInstanceConverter
    config[ClockedTimeDateEventDefinition] = TimerConditionalEventDefinitionConverter
    config[ClockedDurationTimerEventDefinition] = TimerConditionalEventDefinitionConverter
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    return BpmnWorkflowSerializer(registry)


class StateSerializer:
    """Dumps and loads instance state (versioned JSON) against a given spec."""

    def __init__(self) -> None:
        self._serializer = _build_serializer()

    @property
    def registry(self) -> Any:
        """The converter registry SpiffWorkflow's spec diffs compare specs with (engine/migration.py)."""
        return self._serializer.registry

    @property
    def version(self) -> str:
        """The serialization format version stored beside each state."""
        return str(self._serializer.VERSION)

    def dump(self, workflow: BpmnWorkflow) -> str:
        """The workflow's state as JSON text."""
        return str(self._serializer.serialize_json(workflow))

    def load(self, state: str, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
        """Restore a workflow from JSON text, upgrading older formats first."""
        dct = json.loads(state, cls=self._serializer.json_decoder_cls)
        self._serializer.migrate(dct)
        workflow: BpmnWorkflow = self._serializer.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
        return workflow

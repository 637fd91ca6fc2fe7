"""The collaborators an engine is built with, assembled once in the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from .clock import Clock
from .definitions import SpecCache
from .ports import DeployCheck, Directory, FormValidator, ScriptFunctions
from .sandbox_limits import DEFAULT_LIMITS, ScriptLimits
from .serialization import StateSerializer


@dataclass
class EngineServices:
    """Long-lived collaborators shared by every unit of work."""

    clock: Clock
    directory: Callable[[Session], Directory]
    forms: Callable[[Session], FormValidator]
    scripts: ScriptFunctions
    # Date-only deadlines end at midnight in the business's time zone.
    business_timezone: tzinfo = field(default_factory=lambda: ZoneInfo("UTC"))
    # Maps a task's priority code (e.g. an urgency level) to a sortable number.
    priorities: Mapping[str, int] = field(default_factory=dict)
    spec_cache: SpecCache = field(default_factory=SpecCache)
    serializer: StateSerializer = field(default_factory=StateSerializer)
    max_job_attempts: int = 5
    # What one BPMN script or expression may cost (engine/sandbox_limits.py).
    script_limits: ScriptLimits = DEFAULT_LIMITS
    # The domain's checks every deploy runs (engine/ports.py); None: the engine's own checks only.
    deploy_checks: DeployCheck | None = None

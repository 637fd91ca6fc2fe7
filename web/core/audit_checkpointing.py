"""The job worker's part in the audit trail: a signed checkpoint of the chains' heads every few minutes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.audit_checkpoints import write_checkpoint
from web.core.composition import Runtime
from web.core.db import unit_of_work

log = logging.getLogger("directive_flow.audit")


@dataclass
class CheckpointTimer:
    """Writes a checkpoint when `every` seconds have passed since the last one (the first call writes one)."""

    runtime: Runtime
    every: float
    monotonic: Callable[[], float] = time.monotonic
    _last: float | None = field(default=None, init=False)

    def __call__(self) -> None:
        """Write a checkpoint if one is due; a damaged checkpoint file is logged, and the jobs go on."""
        now = self.monotonic()
        if self._last is not None and now - self._last < self.every:
            return
        self._last = now
        settings = self.runtime.settings
        try:
            with unit_of_work(self.runtime.sessions) as session:
                moved = write_checkpoint(
                    session, settings.audit_checkpoints_path, self.runtime.audit_keys, self.runtime.services.clock.now()
                )
        except ValueError as exc:
            log.error("audit checkpoint not written: %s", exc)
            return
        if moved:
            log.info("audit checkpoint written: %d chains moved", moved)

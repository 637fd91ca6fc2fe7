"""The job worker's loop: due jobs every few seconds; a database that goes away is waited for, never fatal.

Timers and the resumption of a case after its units stop for good if the worker ends, so losing
the database (a restart, a network cut) makes it wait and try again, longer each time up to a cap,
instead of exiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from engine.worker import WorkerReport
from web.core.db import connection_lost, error_reason

log = logging.getLogger("directive_flow.worker")


def log_report(report: WorkerReport) -> None:
    """One log line per pass that did something, and one per failed job."""
    if report.done or report.failed:
        log.info("jobs done: %d, failed: %d", len(report.done), len(report.failed))
    for job_id, error in report.failed:
        log.warning("job %d failed: %s", job_id, error)


@dataclass
class WorkerLoop:
    """Runs one pass over the due jobs, waits `interval` seconds, and again, until told to stop."""

    one_pass: Callable[[], WorkerReport]
    on_report: Callable[[WorkerReport], None]
    # Waits that long, or less if told to stop; says whether it was told to stop (Event.wait).
    wait: Callable[[float], bool]
    interval: float = 5.0
    retry_first: float = 1.0
    retry_cap: float = 30.0

    def retry_delay(self, failures: int) -> float:
        """The pause after `failures` passes in a row that could not reach the database."""
        return float(min(self.retry_cap, self.retry_first * 2 ** max(failures - 1, 0)))

    def run(self) -> None:
        """Loop until `wait` says stop; only errors other than a lost database end it."""
        failures = 0
        while True:
            try:
                report = self.one_pass()
            except DBAPIError as exc:
                if not connection_lost(exc):
                    raise
                failures += 1
                delay = self.retry_delay(failures)
                log.warning("database unavailable (%s); retrying in %.1f s", error_reason(exc), delay)
                if self.wait(delay):
                    return
                continue
            if failures:
                log.info("database reachable again after %d failed attempts", failures)
                failures = 0
            self.on_report(report)
            if self.wait(self.interval):
                return

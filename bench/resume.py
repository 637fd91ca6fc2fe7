"""`python -m bench.resume`: a child's result reaches the parent at a cost that does not grow with the units.

Issue 9's figures, 30 and 300 recipient units measured side by side in one run:

- issuing the directive (numbering it and starting one child instance per unit), median of runs;
- all resumptions together: every unit acknowledges, reports and is accepted, one unit at a time,
  and the job worker runs after each unit's instance ends, as it does when units report on
  different days; only the worker's passes are timed;
- the parent's serialized state after issuing and once every unit's result is in.

Targets: issue and all resumptions at 300 units within 11× of 30 units (linear), the state too.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select

from engine.models import ProcessInstance
from engine.worker import run_due_jobs
from web.core.composition import Runtime, engine_transactions
from web.core.db import unit_of_work
from workflows.directive import reference_case as case
from workflows.directive.rehearsal import Rehearsal
from workflows.directive.scenario import SPECIALIST, draft_and_approve, issue, register_and_instruct
from workflows.orgchart.directory import OrgDirectory

from .setup import bench_runtime

SIZES = {"30": 0, "300": 271}
LINEAR = 11.0


@dataclass
class Figures:
    """What one size measured over the runs."""

    issue: list[float] = field(default_factory=list)
    resumes: list[float] = field(default_factory=list)
    per_resume: list[float] = field(default_factory=list)
    state_issued: int = 0
    state_collected: int = 0
    collected: int = 0
    units: int = 0


def _state_size(runtime: Runtime, case_id: int) -> int:
    with unit_of_work(runtime.sessions) as session:
        size = session.scalar(select(func.length(ProcessInstance.state)).where(ProcessInstance.id == case_id))
        return int(size or 0)


def _one_run(extra_units: int, figures: Figures) -> None:
    with bench_runtime(extra_units) as (runtime, clock):
        services = runtime.services
        passes: list[float] = []

        def timed_pass() -> None:
            started = time.perf_counter()
            report = run_due_jobs(runtime.sessions, services)
            passes.append(time.perf_counter() - started)
            assert not report.failed, report.failed

        r = Rehearsal(engine_transactions(runtime), clock, timed_pass)
        register_and_instruct(r)
        draft_and_approve(r, return_once=False)
        started = time.perf_counter()
        units = issue(r)
        figures.issue.append(time.perf_counter() - started)
        case_id = r.case_id or 0
        figures.state_issued = _state_size(runtime, case_id)
        with unit_of_work(runtime.sessions) as session:
            directory = OrgDirectory(session)
            officers = {unit: directory.holders("unit_officer", unit)[0] for unit in units}
        r.at("2023-03-15 09:00")
        for index, unit in enumerate(units):
            r.do(officers[unit], "acknowledge", {"acknowledge_note": ""}, unit=unit)
            r.do(officers[unit], "report", case.unit_report(index, "2023-03-15"), unit=unit)
            r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
            r.tick()
        figures.resumes.append(sum(passes))
        figures.per_resume.extend(passes)
        figures.state_collected = _state_size(runtime, case_id)
        figures.collected = len(r.data().get("unit_reports") or [])
        figures.units = len(units)
        assert r.pending("consolidate"), "the consolidation step did not appear"


def measure(runs: int) -> dict[str, Figures]:
    """Run both sizes `runs` times, interleaved so that the machine's noise hits them alike."""
    results = {size: Figures() for size in SIZES}
    for _ in range(runs):
        for size, extra in SIZES.items():
            _one_run(extra, results[size])
    return results


def _verdict(ratio: float) -> str:
    return "OK" if ratio <= LINEAR else "MISSED"


def report(results: dict[str, Figures]) -> list[str]:
    """The lines `python -m bench` prints."""
    small, large = results["30"], results["300"]
    lines = [f"units collected: {small.collected}/{small.units} and {large.collected}/{large.units}"]
    pairs = (
        ("issue", statistics.median(small.issue), statistics.median(large.issue), "s"),
        ("all resumes", statistics.median(small.resumes), statistics.median(large.resumes), "s"),
        ("one resume (median)", statistics.median(small.per_resume), statistics.median(large.per_resume), "s"),
        ("parent state after issue", small.state_issued, large.state_issued, "B"),
        ("parent state, all collected", small.state_collected, large.state_collected, "B"),
    )
    for name, at_30, at_300, unit in pairs:
        ratio = at_300 / at_30
        shown = (
            f"{at_30 * 1000:.1f} ms vs {at_300 * 1000:.1f} ms"
            if unit == "s"
            else f"{at_30 / 1024:.0f} KB vs {at_300 / 1024:.0f} KB"
        )
        lines.append(
            f"{name}: 30 units {shown.replace(' vs ', ', 300 units ')}; ratio {ratio:.1f}; "
            f"target within {LINEAR:.0f}×: {_verdict(ratio)}"
        )
    return lines


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.resume")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for line in report(measure(args.runs)):
        print(line)


if __name__ == "__main__":
    main()

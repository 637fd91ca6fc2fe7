"""`python -m bench`: the figures the issues name, measured side by side in one run.

1. The demo (the reference case, ~30 units, every step) completes in under 2 s.
2. Completing one unit's task costs the same with 30 or 300 units (within 20 %).
3. A child's result reaches the parent at a cost linear in the units: issue, all resumptions and
   the parent's state at 300 units within 11× of 30 (issue 9; `bench.resume`).

Medians, because the machine is shared and noisy; both sizes are measured interleaved so that
noise hits them alike.
"""

from __future__ import annotations

import argparse
import statistics
import time

from engine.clock import ManualClock
from engine.worker import run_due_jobs
from web.core.composition import Runtime, engine_transactions
from web.core.db import unit_of_work
from web.core.demo import rehearse
from workflows.directive import reference_case as case
from workflows.directive.rehearsal import Rehearsal
from workflows.directive.scenario import SPECIALIST, draft_and_approve, issue, register_and_instruct
from workflows.orgchart.directory import OrgDirectory

from . import resume
from .setup import bench_runtime

STEPS = ("acknowledge", "report", "accept")


def bench_demo(runs: int) -> list[float]:
    """Seconds per full rehearsal of the reference case (a fresh database each time)."""
    times = []
    for _ in range(runs):
        with bench_runtime() as (runtime, _clock):
            result = rehearse(runtime)
            assert result.status == "completed", result
            times.append(result.seconds)
    return times


class IssuedCase:
    """A case issued to every recipient unit, waiting for the units to act."""

    def __init__(self, runtime: Runtime, clock: ManualClock) -> None:
        services = runtime.services
        self.rehearsal = Rehearsal(
            engine_transactions(runtime), clock, lambda: run_due_jobs(runtime.sessions, services)
        )
        register_and_instruct(self.rehearsal)
        draft_and_approve(self.rehearsal, return_once=False)
        self.units = issue(self.rehearsal)
        with unit_of_work(runtime.sessions) as session:
            directory = OrgDirectory(session)
            self.officers = {u: directory.holders("unit_officer", u)[0] for u in self.units}

    def acknowledge(self, unit: str) -> float:
        """Seconds to complete one unit's acknowledgement (one command, one transaction)."""
        started = time.perf_counter()
        self.rehearsal.do(self.officers[unit], "acknowledge", {"acknowledge_note": ""}, unit=unit)
        return time.perf_counter() - started

    def report(self, unit: str, index: int) -> float:
        """Seconds to complete one unit's report."""
        started = time.perf_counter()
        self.rehearsal.do(self.officers[unit], "report", case.unit_report(index, "2023-03-15"), unit=unit)
        return time.perf_counter() - started

    def accept(self, unit: str) -> float:
        """Seconds for the specialist to accept one unit's report (ends that unit's child instance)."""
        started = time.perf_counter()
        self.rehearsal.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
        return time.perf_counter() - started


def bench_unit_task(samples: int) -> dict[str, dict[str, list[float]]]:
    """Per-command seconds for unit tasks in a 30-unit case and a 300-unit case, interleaved."""
    results: dict[str, dict[str, list[float]]] = {size: {step: [] for step in STEPS} for size in ("30", "300")}
    with bench_runtime() as (rt30, clock30), bench_runtime(extra_units=271) as (rt300, clock300):
        small, large = IssuedCase(rt30, clock30), IssuedCase(rt300, clock300)
        assert len(small.units) == 29 and len(large.units) == 300, (len(small.units), len(large.units))
        for rehearsal in (small.rehearsal, large.rehearsal):
            rehearsal.at("2023-03-10 09:00")
        for i in range(min(samples, len(small.units))):
            results["30"]["acknowledge"].append(small.acknowledge(small.units[i]))
            results["300"]["acknowledge"].append(large.acknowledge(large.units[i]))
        for i in range(min(samples, len(small.units))):
            results["30"]["report"].append(small.report(small.units[i], i))
            results["300"]["report"].append(large.report(large.units[i], i))
        for i in range(min(samples, len(small.units))):
            results["30"]["accept"].append(small.accept(small.units[i]))
            results["300"]["accept"].append(large.accept(large.units[i]))
    return results


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms"


def main() -> None:
    """Run the benchmarks and print the figures with the targets they are held to."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--demo-runs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=29, help="unit tasks measured per size (≤ 29)")
    parser.add_argument("--resume-runs", type=int, default=5, help="runs of the 30/300-unit resumption figures")
    args = parser.parse_args()

    demo = bench_demo(args.demo_runs)
    median_demo = statistics.median(demo)
    print(
        f"demo (reference case, 29 units, every step): median {median_demo:.2f} s "
        f"over {len(demo)} runs (min {min(demo):.2f}, max {max(demo):.2f}); target < 2 s: "
        f"{'OK' if median_demo < 2 else 'MISSED'}"
    )

    figures = bench_unit_task(args.samples)
    for step in STEPS:
        small, large = figures["30"][step], figures["300"][step]
        ratio = statistics.median(large) / statistics.median(small)
        print(
            f"unit task '{step}': 30 units {_ms(small)}, 300 units {_ms(large)} "
            f"(median of {len(small)}); ratio {ratio:.2f}; target within 20 %: "
            f"{'OK' if abs(ratio - 1) <= 0.20 else 'MISSED'}"
        )

    for line in resume.report(resume.measure(args.resume_runs)):
        print(line)


if __name__ == "__main__":
    main()

"""`python -m bench.inbox`: Việc cần xử lý with 10,000 open cases, served by gunicorn (issue 3).

Target: a unit officer's inbox renders in under 100 ms at the 95th percentile. The database is made
by `bench.populate`; gunicorn (2 sync workers, our factory) serves it on a free loopback port; a
client signs in through the real /login form (CSRF token included) and asks for the inbox
sequentially, timing each request on the client (connect, render, transfer). The variants — the
default order, the overdue filter, a text search, page 2 — are interleaved so that the machine's
noise hits them alike. A specialist of the Sở with a couple of thousand pending steps is measured
the same way, for comparison; the target is the unit officer's. The job worker that `directive-flow
serve` runs beside gunicorn is left out: it would fire the older clones' past-due reminders while
we measure.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from web.accounts.users import DEMO_PASSWORD

from .measure import Browser, served
from .populate import populate
from .setup import bench_runtime

TARGET_P95 = 0.100
UNIT_OFFICER, SPECIALIST = "cb.btls", "cv.hvd"
VARIANTS = {
    "default": "/",
    "overdue": "/?due=overdue",
    "search 'tham nhung'": "/?q=tham+nhung",
    "page 2": "/?page=2",
}
COUNT = re.compile(r'class="count">\((\d+)\)')


@dataclass(frozen=True)
class Figures:
    """Client-side seconds per request for one page of one user, and the count the page shows."""

    user: str
    variant: str
    shown: int | None
    seconds: list[float]

    def percentile(self, p: int) -> float:
        """The p-th percentile, in seconds."""
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[p - 1]

    def line(self) -> str:
        """One line of the report."""
        p95 = self.percentile(95)
        ms = {p: self.percentile(p) * 1000 for p in (50, 95, 99)}
        return (
            f"{self.user:8} {self.variant:20} {self.shown if self.shown is not None else '?':>5} tasks  "
            f"p50 {ms[50]:6.1f}  p95 {ms[95]:6.1f}  p99 {ms[99]:6.1f}  max {max(self.seconds) * 1000:6.1f} ms  "
            f"(n={len(self.seconds)}); p95 < {TARGET_P95 * 1000:.0f} ms: {'OK' if p95 < TARGET_P95 else 'MISSED'}"
        )


def measure(base: str, user: str, requests: int, warmup: int) -> list[Figures]:
    """Sign in as `user`, warm up, then time every variant `requests` times, interleaved."""
    browser = Browser(base)
    browser.sign_in(user, DEMO_PASSWORD)
    shown: dict[str, int | None] = {}
    for name, path in VARIANTS.items():
        for _ in range(warmup):
            browser.get(path)
        found = COUNT.search(browser.get(path)[0])
        shown[name] = int(found.group(1)) if found else None
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(requests):
        for name, path in VARIANTS.items():
            started = time.perf_counter()
            _page, url = browser.get(path)
            times[name].append(time.perf_counter() - started)
            if urllib.parse.urlsplit(url).path != "/":
                raise RuntimeError(f"{user} was sent to {url} instead of the inbox")
    return [Figures(user, name, shown[name], times[name]) for name in VARIANTS]


def main() -> None:
    """Populate (or reuse) a database, serve it with gunicorn, print the figures and the target."""
    parser = argparse.ArgumentParser(prog="python -m bench.inbox")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page and user")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", type=Path, help="serve a copy of this populated database instead")
    args = parser.parse_args()

    with bench_runtime() as (runtime, clock):
        database = Path(str(runtime.db.url.database))
        if args.database:
            runtime.db.dispose()
            shutil.copyfile(args.database, database)
            print(f"serving a copy of {args.database}")
        else:
            population = populate(runtime, clock, args.cases)
            print(
                f"populated {population.cases} open cases ({population.instances} instances, "
                f"{population.ready_tasks} ready tasks, {population.database_bytes / 2**20:.0f} MiB) in "
                f"{population.engine_seconds + population.clone_seconds:.1f} s"
            )
        runtime.db.dispose()
        with served(f"sqlite:///{database}", args.workers) as base:
            print(f"gunicorn, {args.workers} workers, at {base}")
            figures = [
                f for user in (UNIT_OFFICER, SPECIALIST) for f in measure(base, user, args.requests, args.warmup)
            ]
    for item in figures:
        print(item.line())
    headline = next(f for f in figures if f.user == UNIT_OFFICER and f.variant == "default")
    print(
        f"target (issue 3): a unit officer's inbox p95 {headline.percentile(95) * 1000:.1f} ms < "
        f"{TARGET_P95 * 1000:.0f} ms: {'OK' if headline.percentile(95) < TARGET_P95 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()

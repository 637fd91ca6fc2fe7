"""`python -m bench.scale`: the officers' inbox at a million open tasks, beside a small database (issue 11).

Two PostgreSQL databases made by `bench.scale_data` (kept between runs; the first run builds them,
about a minute for the large one): `bench_scale` with 1,000,000 open tasks, 20,000 of them offered
to the measured unit officer's role and unit, and `bench_scale_small` with 10,000 (200 for the
officer). Measured side by side in one run, interleaved:

1. the inbox query as the page runs it (`engine.inbox.inbox` and `steps_open_to` in one session),
   for the default order and a few variants;
2. the served page, gunicorn (2 sync workers) per database, a client signed in through the form.

Goals: at 1,000,000 open tasks the query's p95 ≤ 20 ms and the page's p95 ≤ 100 ms. Medians and
p95 are printed, with p95 over the goal and the large database over the small one.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.inbox import InboxQuery, inbox, steps_open_to
from web.core.db import make_engine, make_session_factory
from workflows.orgchart.models import RoleAssignment

from .measure import Timing, served, signed_in, time_calls, time_pages
from .scale_data import HOT_USER, Built, build

QUERY_GOAL_MS, PAGE_GOAL_MS = 20.0, 100.0
RARE = "1234-ubnd-kgvx"
SIZES = {"1M": ("bench_scale", 1_000_000), "small": ("bench_scale_small", 10_000)}
QUERIES = {
    "default": InboxQuery(),
    "page 2": InboxQuery(page=2),
    "sort by deadline": InboxQuery(sort="due"),
    "overdue": InboxQuery(due_before=datetime.now(UTC)),
    "search 'tham nhung'": InboxQuery(text="tham nhung"),
    # A directive's number: a handful of tasks match, so the search reads all 20,000 of the unit.
    "search a number": InboxQuery(text=RARE),
}
PAGES = ["/", "/?page=2", "/?sort=due", "/?due=overdue", "/?q=tham+nhung", f"/?q={RARE}"]


def roles_of(sessions: sessionmaker[Session], username: str) -> list[tuple[str, str]]:
    """The (role, unit) pairs a user holds, as the signed-in user's session gives them to the inbox."""
    with sessions() as session:
        rows = session.execute(
            select(RoleAssignment.role, RoleAssignment.unit_code).where(RoleAssignment.username == username)
        )
        return [(role, unit) for role, unit in rows]


def inbox_call(sessions: sessionmaker[Session], username: str, query: InboxQuery) -> Callable[[], object]:
    """One request's worth of inbox queries: the page and the step filter's choices, in one session."""
    roles = roles_of(sessions, username)

    def call() -> object:
        with sessions() as session:
            page = inbox(session, username, roles, query)
            return page.total, steps_open_to(session, username, roles)

    return call


def measure_queries(built: dict[str, Built], repeats: int) -> dict[str, Timing]:
    """Query timings per size and variant, keyed "size variant"."""
    engines = {size: make_engine(b.url) for size, b in built.items()}
    try:
        calls = {
            f"{size} {name}": inbox_call(make_session_factory(db), HOT_USER, query)
            for name, query in QUERIES.items()
            for size, db in engines.items()
        }
        return time_calls(calls, repeats)
    finally:
        for db in engines.values():
            db.dispose()


def measure_pages(built: dict[str, Built], requests: int, workers: int) -> dict[tuple[str, str], Timing]:
    """Served page timings per size and path, with one gunicorn per database."""
    with ExitStack() as stack:
        bases = {size: stack.enter_context(served(b.url, workers)) for size, b in built.items()}
        browsers = {size: signed_in(base, HOT_USER) for size, base in bases.items()}
        return time_pages(browsers, PAGES, requests)


def report(built: dict[str, Built], queries: dict[str, Timing], pages: dict[tuple[str, str], Timing]) -> list[str]:
    """The lines to print: every timing, then the goals and the ratio of the sizes."""
    lines = [
        f"{size}: {b.tasks:,} open tasks, {b.hot_tasks:,} offered to {HOT_USER}'s role and unit; "
        f"{'reused' if b.reused else 'built'} in {b.seconds:.1f} s"
        for size, b in built.items()
    ]
    lines.append("inbox query (engine.inbox.inbox + steps_open_to, one session):")
    for name in QUERIES:
        for size in built:
            timing = queries[f"{size} {name}"]
            lines.append("  " + timing.line(QUERY_GOAL_MS if size == "1M" else None))
    lines.append("served page (gunicorn, signed in):")
    for path in PAGES:
        for size in built:
            lines.append("  " + pages[(size, path)].line(PAGE_GOAL_MS if size == "1M" else None))
    query_large, query_small = queries["1M default"], queries["small default"]
    page_large, page_small = pages[("1M", "/")], pages[("small", "/")]
    lines.append(
        f"goal: inbox query p95 {query_large.ms(95):.1f} ms ≤ {QUERY_GOAL_MS:.0f} ms "
        f"({'OK' if query_large.ms(95) <= QUERY_GOAL_MS else 'MISSED'}), "
        f"{query_large.ms(95) / query_small.ms(95):.1f}× the small database's {query_small.ms(95):.1f} ms"
    )
    lines.append(
        f"goal: inbox page p95 {page_large.ms(95):.1f} ms ≤ {PAGE_GOAL_MS:.0f} ms "
        f"({'OK' if page_large.ms(95) <= PAGE_GOAL_MS else 'MISSED'}), "
        f"{page_large.ms(95) / page_small.ms(95):.1f}× the small database's {page_small.ms(95):.1f} ms"
    )
    return lines


def main() -> None:
    """Build or reuse the databases, measure both sizes side by side, print the figures and the goals."""
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--repeats", type=int, default=200, help="timed inbox queries per variant and size")
    parser.add_argument("--requests", type=int, default=100, help="timed page requests per path and size")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per database")
    parser.add_argument("--tasks", type=int, default=SIZES["1M"][1], help="open tasks of the large database")
    args = parser.parse_args()
    sizes = {
        **SIZES,
        "1M": ("bench_scale" if args.tasks == SIZES["1M"][1] else f"bench_scale_{args.tasks}", args.tasks),
    }
    built = {size: build(name, tasks) for size, (name, tasks) in sizes.items()}
    queries = measure_queries(built, args.repeats)
    pages = measure_pages(built, args.requests, args.workers)
    for line in report(built, queries, pages):
        print(line)


if __name__ == "__main__":
    main()

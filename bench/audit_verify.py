"""`python -m bench.audit_verify`: verifying 1,000,000 audit events, PostgreSQL and SQLite side by side (issue 12).

The trail: 20,000 cases of 50 events each, written interleaved as an agency's cases advance
together, every event sealed (HMAC-SHA256 under a bench key) as `engine.audit.append` seals it, and
a checkpoint of the 20,000 chains' heads. Not through the engine: a million appends would take an
hour. PostgreSQL: database `bench_audit`, filled with COPY; SQLite: a file in the temporary folder;
both kept between runs (a marker row names the generator and the count) so that only the first run
pays for the build. Then `engine.audit_verify.verify_trail` runs on each in turn, `--runs` times,
and the median and p95 of the elapsed time are printed against the goal (under 10 s), beside the
CPU time of this process (on PostgreSQL the server's work is not in it) and the machine's load,
since a shared machine stretches elapsed times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from engine.audit import GENESIS, canonical
from engine.audit_checkpoints import write_checkpoint
from engine.audit_keys import SESSION_KEYS, AuditKeys
from engine.audit_verify import verify_trail
from engine.db import Base
from engine.models import AuditEvent
from web.core.db import make_engine

GENERATOR = "audit-2"
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
EVENTS = 1_000_000
GOAL_SECONDS = 10.0
# A key for this bench's throw-away trail only.
KEYS = AuditKeys({"bench": b"bench-audit-verify-key-not-a-secret"}, "bench")
START = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
COLUMNS = [
    "id",
    "chain",
    "seq",
    "tag",
    "actor",
    "at",
    "case_id",
    "instance_id",
    "task_id",
    "before",
    "after",
    "comment",
    "prev_hash",
    "hash",
    "key_id",
]
STEPS = (
    ("engine:task:claimed", None, None),
    ("engine:task:completed", {"decision": "approve"}, "Đồng ý, trình ký"),
    ("engine:task:reassigned", None, "nghỉ phép"),
)


def rows(count: int, dialect: str) -> Iterator[tuple[object, ...]]:
    """The trail, in the order it happened: event i belongs to case i % cases, sealed after its predecessor."""
    cases = chains(count)
    heads = [GENESIS] * cases
    seal = KEYS.sealer("bench")
    assert seal is not None
    for i in range(count):
        case, seq = i % cases + 1, i // cases + 1
        tag, data, comment = STEPS[i % len(STEPS)]
        chain, at = f"case:{case}", START + timedelta(seconds=i)
        after = json.dumps({"task": f"step_{seq}", "title": "Dự thảo công văn", **(data or {})})
        before = json.dumps(None)
        fields = [chain, seq, tag, "chuyenvien", at.isoformat(), case, case, f"task-{case}-{seq}", before, after]
        stored = (chain, seq, tag, "chuyenvien", at)
        seal_ = seal(canonical(dialect, [*fields, comment, heads[case - 1]]))
        yield (
            i + 1,
            *stored,
            case,
            case,
            f"task-{case}-{seq}",
            before,
            after,
            comment,
            heads[case - 1],
            seal_,
            "bench",
        )
        heads[case - 1] = seal_


def chains(count: int) -> int:
    """How many cases a trail of `count` events spreads over: 50 events each."""
    return max(1, count // 50)


def _built(db: SqlEngine, count: int) -> bool:
    with db.connect() as connection:
        try:
            marker = connection.execute(text("SELECT generator, events FROM bench_audit_build")).first()
        except Exception:  # noqa: BLE001  (no marker table: not built yet)
            return False
    return marker is not None and tuple(marker) == (GENERATOR, count)


def _schema(db: SqlEngine) -> None:
    with db.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_audit_build"))
        connection.execute(text("DROP TABLE IF EXISTS audit_event"))
    Base.metadata.create_all(db, tables=[AuditEvent.__table__])  # type: ignore[list-item]


def _mark(db: SqlEngine, count: int) -> None:
    with db.begin() as connection:
        connection.execute(text("CREATE TABLE bench_audit_build (generator VARCHAR(20), events INTEGER)"))
        connection.execute(text("INSERT INTO bench_audit_build VALUES (:g, :n)"), {"g": GENERATOR, "n": count})


def build_postgresql(count: int) -> SqlEngine:
    """`bench_audit` on the local server, filled with COPY unless already built."""
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = 'bench_audit'")).first():
            connection.execute(text("CREATE DATABASE bench_audit"))
    admin.dispose()
    db = make_engine(f"{SERVER}/bench_audit")
    if not _built(db, count):
        started = time.perf_counter()
        _schema(db)
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/bench_audit") as connection:
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY audit_event ({', '.join(COLUMNS)}) FROM STDIN") as copy,
            ):
                for row in rows(count, "postgresql"):
                    copy.write_row(row)
            connection.execute("ANALYZE audit_event")
        _mark(db, count)
        print(f"PostgreSQL trail built in {time.perf_counter() - started:.0f} s")
    return db


def build_sqlite(count: int) -> SqlEngine:
    """A SQLite file in the temporary folder, filled unless already built."""
    db = make_engine(f"sqlite:///{Path(tempfile.gettempdir()) / 'bench_audit.sqlite'}")
    if not _built(db, count):
        started = time.perf_counter()
        _schema(db)
        marks = ", ".join("?" for _ in COLUMNS)
        with db.begin() as connection:
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.executemany(
                f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({marks})",
                (tuple(_sqlite(v) for v in row) for row in rows(count, "sqlite")),
            )
        _mark(db, count)
        print(f"SQLite trail built in {time.perf_counter() - started:.0f} s")
    return db


def _sqlite(value: object) -> object:
    # As SQLAlchemy stores a UTC moment in SQLite.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def checkpointed(db: SqlEngine, name: str) -> tuple[sessionmaker, Path]:  # type: ignore[type-arg]
    """Sessions sealing with the bench key, and a fresh checkpoint of every chain's head."""
    sessions = sessionmaker(db, info={SESSION_KEYS: KEYS})
    folder = Path(tempfile.mkdtemp(prefix=f"bench-audit-{name}-"))
    with sessions() as session:
        write_checkpoint(session, folder, KEYS, datetime.now(UTC))
    return sessions, folder


def main() -> None:
    """Build (once) and verify each trail `--runs` times, interleaved; print medians and p95 beside the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=EVENTS)
    args = parser.parse_args()
    targets = {
        "PostgreSQL": checkpointed(build_postgresql(args.events), "postgresql"),
        "SQLite": checkpointed(build_sqlite(args.events), "sqlite"),
    }
    seconds: dict[str, list[float]] = {name: [] for name in targets}
    cpu: dict[str, list[float]] = {name: [] for name in targets}
    load = os.getloadavg()[0]
    for _ in range(args.runs):
        for name, (sessions, folder) in targets.items():
            with sessions() as session:
                started, used = time.perf_counter(), time.process_time()
                result = verify_trail(session, folder)
                seconds[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - used)
            assert result.intact and result.events == args.events, result.first
    print(
        f"verify_trail over {args.events:,} events in {chains(args.events):,} chains, checked against a checkpoint, "
        f"{args.runs} runs (load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} CPUs):"
    )
    for name, times in seconds.items():
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        verdict = "OK" if p95 < GOAL_SECONDS else "MISSED"
        print(
            f"  {name:<11} median {statistics.median(times):5.1f} s   p95 {p95:5.1f} s   "
            f"(this process's CPU: median {statistics.median(cpu[name]):5.1f} s)   "
            f"goal < {GOAL_SECONDS:.0f} s: {verdict}"
        )


if __name__ == "__main__":
    main()

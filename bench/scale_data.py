"""PostgreSQL databases with many open tasks, inserted in bulk (COPY), kept between runs.

Not through the engine: a million task rows made by commands would take hours. The schema comes
from the migrations, the organisation from the demo chart plus `extra_units` subordinate units
(one officer each, `bench.setup.chart_with_units`), the processes from `bpmn/`; then plain rows:

* cases (top-level instances of the directive's process) with a subject, a number and search text,
  and one child instance per recipient unit's part, five instances per case in all;
* open (ready) task rows, about 2 % of them offered to one role in one unit — the unit officer of
  `HOT_UNIT`, whose inbox the benches measure — and the rest spread over every unit's officer and
  the Sở's divisions and leaders; a few claimed, by the officer or by a colleague; urgency drawn
  70/20/7/3 %, arrival within the last two years, a deadline 3 to 45 days later for most; each
  carries its case's search text, as `engine.task_rows.keep_search_text` keeps it.

A finished build writes a marker row (`bench_build`: generator version, task count and a digest of the
migrations); a run that finds it reuses the database, so only the first run pays for the build, and
a changed migration (a new table, an index) makes the next run build again. The task table's indexes
are dropped while rows are copied and made again after, as a bulk load should, then the tables
are vacuumed and analysed so that the planner and index-only scans see them as autovacuum would.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import create_engine, text

from engine.clock import SystemClock
from engine.definitions import call_order
from engine.runtime import Engine
from engine.text import fold
from web.accounts.users import give_demo_passwords
from web.core import migrate
from web.core.composition import build_services
from web.core.db import make_engine, make_session_factory, unit_of_work
from web.core.settings import Settings
from workflows.orgchart.loader import load_org_chart

from .cloning import ISSUERS, TOPICS
from .setup import chart_with_units

GENERATOR = "scale-2"
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
HOT_ROLE, HOT_UNIT, HOT_USER = "unit_officer", "BTLS", "cb.btls"
HOT_SHARE = 0.02
INSTANCES_PER_CASE = 5
UNIT_STEPS = (("acknowledge", "Tiếp nhận công văn", "acknowledge"), ("report", "Triển khai và báo cáo", "report"))
SO_STEPS = {
    ("specialist", "QLVHGD"): (("draft", "Dự thảo công văn"), ("consolidate", "Tổng hợp báo cáo")),
    ("division_head", "QLVHGD"): (("review_content", "Kiểm tra nội dung"),),
    ("leader", "SVHTTDL"): (("sign", "Ký duyệt"), ("sign_report", "Ký báo cáo")),
    ("director", "SVHTTDL"): (("instruct", "Ý kiến chỉ đạo"),),
    ("clerk", "SVHTTDL"): (("issue", "Cấp số, phát hành"), ("issue_report", "Phát hành báo cáo")),
}
URGENCY_WEIGHTS = (70, 20, 7, 3)  # priorities 0..3: thường, khẩn, thượng khẩn, hỏa tốc
TASK_COLUMNS = (
    "id",
    "instance_id",
    "case_id",
    "spec_name",
    "title",
    "detail",
    "form_key",
    "role",
    "candidate_unit",
    "assignee",
    "state",
    "priority",
    "created_at",
    "due_at",
    "search_text",
    "version",
)
INSTANCE_COLUMNS = (
    "id",
    "definition_id",
    "process_key",
    "case_id",
    "parent_id",
    "business_key",
    "title",
    "search_text",
    "status",
    "state",
    "serializer_version",
    "started_by",
    "started_at",
    "version",
)


@dataclass(frozen=True)
class Built:
    """A database ready for measuring: its URL, its size and whether this run built it."""

    url: str
    tasks: int
    hot_tasks: int
    seconds: float
    reused: bool


def database_url(name: str) -> str:
    """The URL of a database on the local PostgreSQL server."""
    return f"{SERVER}/{name}"


def _admin() -> SqlEngine:
    return create_engine(database_url("postgres"), isolation_level="AUTOCOMMIT")


def generator() -> str:
    """This generator's version and a digest of the migrations the schema was made by."""
    digest = hashlib.sha256()
    for path in sorted(migrate.MIGRATIONS.glob("versions/*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{GENERATOR}:{digest.hexdigest()[:16]}"


def _marker(db: SqlEngine) -> int | None:
    with db.connect() as connection:
        exists = connection.scalar(text("SELECT to_regclass('bench_build') IS NOT NULL"))
        if not exists:
            return None
        found = connection.scalar(text("SELECT tasks FROM bench_build WHERE generator = :g"), {"g": generator()})
        return int(found) if found is not None else None


def build(name: str, tasks: int, extra_units: int = 300, seed: int = 2023) -> Built:
    """The database `name` with `tasks` open task rows: reused when its marker says so, else made anew."""
    started = time.perf_counter()
    url = database_url(name)
    admin = _admin()
    try:
        with admin.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                db = make_engine(url)
                try:
                    if _marker(db) == tasks:
                        return Built(url, tasks, hot_count(tasks), time.perf_counter() - started, reused=True)
                finally:
                    db.dispose()
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    db = make_engine(url)
    try:
        definition_id = _schema_and_organisation(db, extra_units)
        units = _officer_units(db)
        _bulk_load(db, tasks, units, definition_id, random.Random(seed))
    finally:
        db.dispose()
    return Built(url, tasks, hot_count(tasks), time.perf_counter() - started, reused=False)


def hot_count(tasks: int) -> int:
    """How many tasks are offered to the measured officer's role and unit."""
    return round(tasks * HOT_SHARE)


def _schema_and_organisation(db: SqlEngine, extra_units: int) -> int:
    """Migrate, load the chart with extra units, give demo passwords, deploy; the directive's definition id."""
    migrate.upgrade(db)
    with tempfile.TemporaryDirectory(prefix="df-bench-scale-") as folder:
        settings = Settings.from_env({}, instance_path=Path(folder))
        chart = Path(folder) / "chart.json"
        chart.write_text(json.dumps(chart_with_units(settings.org_chart_file, extra_units)), encoding="utf-8")
        services = build_services(settings, SystemClock())
        with unit_of_work(make_session_factory(db)) as session:
            load_org_chart(session, chart)
            give_demo_passwords(session)
            for path in call_order(settings.bpmn_dir.glob("*.bpmn")):
                Engine(session, services).deploy(path.read_bytes(), path.name, "quantri")
    with db.connect() as connection:
        found = connection.scalar(
            text("SELECT id FROM process_definition WHERE key = 'directive_lifecycle' ORDER BY version DESC")
        )
    assert found is not None, "the directive's process was not deployed"
    return int(found)


def _officer_units(db: SqlEngine) -> list[str]:
    with db.connect() as connection:
        rows = connection.execute(
            text("SELECT DISTINCT unit_code FROM role_assignment WHERE role = 'unit_officer' ORDER BY unit_code")
        )
        return [str(code) for (code,) in rows if code != HOT_UNIT]


def _instances(
    cases: int, definition_id: int, now: datetime, rng: random.Random, texts: list[str]
) -> Iterator[tuple[Any, ...]]:
    """The cases' instances; each case's search text is appended to `texts`, for its tasks."""
    issuers = list(ISSUERS.items())
    for case in range(cases):
        case_id = case * INSTANCES_PER_CASE + 1
        started = now - timedelta(days=rng.uniform(0, 730))
        issuer, code = rng.choice(issuers)
        title = rng.choice(TOPICS).format(year=started.year, n=rng.randint(1, 20))
        number = f"{rng.randint(1, 3000)}-{code}"
        search = fold(f"{title} {number} {issuer}")
        texts.append(search)
        yield (
            case_id,
            definition_id,
            "directive_lifecycle",
            case_id,
            None,
            number,
            title,
            search,
            "running",
            "{}",
            "bench",
            "vanthu",
            started,
            1,
        )
        for child in range(1, INSTANCES_PER_CASE):
            yield (
                case_id + child,
                definition_id,
                "unit_execution",
                case_id,
                case_id,
                None,
                title,
                search,
                "running",
                "{}",
                "bench",
                "system",
                started,
                1,
            )


def _tasks(
    count: int, texts: list[str], units: list[str], now: datetime, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """Ready task rows over the cases, each with its case's search text (engine.task_rows.keep_search_text)."""
    hot = hot_count(count)
    cases = len(texts)
    so_groups = list(SO_STEPS)
    for n in range(count):
        case = rng.randrange(cases)
        case_id = case * INSTANCES_PER_CASE + 1
        if n < hot or rng.random() < 0.85:
            role, unit = HOT_ROLE, HOT_UNIT if n < hot else rng.choice(units)
            spec, title, form = rng.choice(UNIT_STEPS)
            instance_id, detail = case_id + rng.randrange(1, INSTANCES_PER_CASE), None
        else:
            role, unit = rng.choice(so_groups)
            spec, title = rng.choice(SO_STEPS[(role, unit)])
            form, instance_id, detail = spec, case_id, None
        drawn = rng.random()
        assignee = None
        if drawn < 0.01:
            assignee = HOT_USER if unit == HOT_UNIT else None
        elif drawn < 0.02:
            assignee = "colleague.bench"
        created = now - timedelta(days=rng.uniform(0, 730))
        due = created + timedelta(days=rng.randint(3, 45)) if rng.random() < 0.85 else None
        if due is not None:
            # Date-only deadlines end at midnight (Vietnam), as the engine stores them: many ties.
            due = due.replace(hour=17, minute=0, second=0, microsecond=0)
        priority = rng.choices(range(4), weights=URGENCY_WEIGHTS)[0]
        task_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        yield (
            task_id,
            instance_id,
            case_id,
            spec,
            title,
            detail,
            form,
            role,
            unit,
            assignee,
            "ready",
            priority,
            created,
            due,
            texts[case],
            1,
        )


def _bulk_load(db: SqlEngine, tasks: int, units: list[str], definition_id: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    cases = max(1, tasks // 10)
    texts: list[str] = []
    with db.connect() as connection:
        indexes = list(
            connection.execute(
                text(
                    # Indexes of their own only: those behind a key or unique constraint stay.
                    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                    "WHERE t.relname IN ('task', 'process_instance') "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
                )
            )
        )
        for index_name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{index_name}"'))
        connection.commit()
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, psycopg.Connection)
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY process_instance ({', '.join(INSTANCE_COLUMNS)}) FROM STDIN") as copy:
                for row in _instances(cases, definition_id, now, rng, texts):
                    copy.write_row(row)
            with cursor.copy(f"COPY task ({', '.join(TASK_COLUMNS)}) FROM STDIN") as copy:
                for row in _tasks(tasks, texts, units, now, rng):
                    copy.write_row(row)
        raw.commit()
        for _, definition in indexes:
            connection.execute(text(definition))
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence('process_instance', 'id'), :n)"),
            {"n": cases * INSTANCES_PER_CASE},
        )
        connection.execute(text("CREATE TABLE bench_build (generator text PRIMARY KEY, tasks integer, built_at text)"))
        connection.execute(
            text("INSERT INTO bench_build VALUES (:g, :n, :at)"), {"g": generator(), "n": tasks, "at": now.isoformat()}
        )
        connection.commit()
    vacuum = create_engine(db.url, isolation_level="AUTOCOMMIT")
    try:
        with vacuum.connect() as connection:
            connection.execute(text("VACUUM ANALYZE task"))
            connection.execute(text("VACUUM ANALYZE process_instance"))
    finally:
        vacuum.dispose()

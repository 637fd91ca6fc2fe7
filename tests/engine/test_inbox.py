"""The inbox as officers see it: what is open to them, in the order chosen, filtered, paged and counted.

Task rows are written directly (many, with ties on urgency, arrival and deadline) and every page is
compared with the same rules applied in Python to all of them, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import insert

from engine.inbox import COUNT_CAP, SEARCH_COUNT_CAP, InboxQuery, inbox, steps_open_to
from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from engine.text import fold
from tests.databases import postgresql_schema, postgresql_url
from web.core.db import make_engine, unit_of_work

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

NOW = datetime(2023, 3, 20, 2, 0, tzinfo=UTC)
ME, ROLES = "an", [("specialist", "dept"), ("division_head", "dept")]
STEPS = {"write": "Soạn", "check": "Kiểm tra", "sign": "Ký", "report": "Báo cáo"}
CASES = 40


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlEngine]:
    """A fresh database of each kind."""
    if request.param == "postgresql":
        with postgresql_schema(postgresql_url()) as engine:
            yield engine
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'inbox.sqlite'}")
    yield engine
    engine.dispose()


def _fill(env: EngineEnv, tasks: int, seed: int = 11) -> list[dict[str, Any]]:
    """`tasks` task rows over CASES cases, for the user's groups, others' groups, claimed and done."""
    rng = random.Random(seed)
    with unit_of_work(env.sessions) as session:
        definition = ProcessDefinition(
            key="p",
            name="p",
            version=1,
            checksum="c",
            filename="p.bpmn",
            bpmn_xml="",
            metadata_json={},
            deployed_by="quantri",
            deployed_at=NOW,
        )
        session.add(definition)
        session.flush()
        texts: dict[int, str] = {}
        for n in range(1, CASES + 1):
            # Every third case is about corruption: the text search finds those.
            subject = "Kế hoạch" if n % 3 else "Tham nhũng"
            texts[n] = fold(f"{subject} {n}")
            session.add(
                ProcessInstance(
                    id=n,
                    definition_id=definition.id,
                    process_key="p",
                    case_id=n,
                    business_key=f"{n}/CV",
                    title=f"{subject} {n}",
                    search_text=texts[n],
                    status="running",
                    state="{}",
                    serializer_version="1",
                    started_by="an",
                    started_at=NOW,
                    version=1,
                )
            )
        rows = []
        groups = [*ROLES, ("specialist", "other"), ("unit_officer", "dept")]
        for _ in range(tasks):
            role, unit = rng.choice(groups)
            state = "ready" if rng.random() < 0.9 else "completed"
            assignee = rng.choice([None, None, None, None, ME, "binh"])
            case_id = rng.randint(1, CASES)
            due = None if rng.random() < 0.2 else NOW + timedelta(days=rng.randint(-5, 5))
            spec = rng.choice(list(STEPS))
            rows.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "instance_id": case_id,
                    "case_id": case_id,
                    "spec_name": spec,
                    "title": STEPS[spec],
                    "role": role,
                    "candidate_unit": unit,
                    "assignee": assignee,
                    "state": state,
                    "priority": rng.choice([0, 0, 1, 3]),
                    "created_at": NOW - timedelta(hours=rng.randint(0, 30)),
                    "due_at": due,
                    # Ready tasks carry their case's text, as the engine keeps it (task_rows.keep_search_text).
                    "search_text": texts[case_id] if state == "ready" else None,
                    "version": 1,
                }
            )
        session.execute(insert(TaskRow), rows)
    return rows


def _open(row: dict[str, Any]) -> bool:
    if row["state"] != "ready":
        return False
    return row["assignee"] == ME or (row["assignee"] is None and (row["role"], row["candidate_unit"]) in ROLES)


def _expected(rows: list[dict[str, Any]], query: InboxQuery) -> list[str]:
    """The ids of the page, by the rules the inbox promises, applied to every row."""
    kept = [
        r
        for r in rows
        if _open(r)
        and (query.step is None or r["spec_name"] == query.step)
        and (query.due_before is None or (r["due_at"] is not None and r["due_at"] < query.due_before))
        and (query.min_priority is None or r["priority"] >= query.min_priority)
        and (query.text is None or fold(query.text) in r["search_text"])
    ]
    far = datetime.max.replace(tzinfo=UTC)
    orders: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
        "urgent": lambda r: (-r["priority"], -r["created_at"].timestamp(), r["id"]),
        "due": lambda r: (r["due_at"] or far, -r["priority"], r["id"]),
        "received": lambda r: (-r["created_at"].timestamp(), r["id"]),
        "oldest": lambda r: (r["created_at"], r["id"]),
    }
    kept.sort(key=orders[query.sort])
    start = (query.page - 1) * query.per_page
    return [r["id"] for r in kept[start : start + query.per_page]]


QUERIES = [
    InboxQuery(),
    InboxQuery(page=3),
    InboxQuery(sort="due"),
    InboxQuery(sort="due", page=4),
    InboxQuery(sort="received", page=2),
    InboxQuery(sort="oldest"),
    InboxQuery(step="check", sort="oldest", page=2),
    InboxQuery(due_before=NOW, sort="due"),
    InboxQuery(min_priority=1, page=2),
    InboxQuery(text="Tham nhũng", sort="received"),
    InboxQuery(text="tham nhung", step="sign", due_before=NOW + timedelta(days=2), page=1),
]


def test_pages_follow_the_order_and_filters_chosen(
    db: SqlEngine, env_factory: Callable[[SqlEngine], EngineEnv]
) -> None:
    """Every sort, filter and page shows exactly the tasks the officer may take, in the promised order."""
    env = env_factory(db)
    rows = _fill(env, 400)
    with env.sessions() as session:
        for query in QUERIES:
            page = inbox(session, ME, ROLES, query)
            assert [r.task.id for r in page.rows] == _expected(rows, query), query
            everything = _expected(rows, InboxQuery(**{**query.__dict__, "page": 1, "per_page": 10_000}))
            assert (page.total, page.capped) == (len(everything), False), query
            assert page.has_next == (len(everything) > query.page * query.per_page), query
            assert all(r.case_number == f"{r.task.case_id}/CV" for r in page.rows)


def test_steps_offered_are_those_open_to_the_officer(
    db: SqlEngine, env_factory: Callable[[SqlEngine], EngineEnv]
) -> None:
    """The step filter lists each step of the officer's pending tasks once, by title; none of others'."""
    env = env_factory(db)
    rows = _fill(env, 120)
    with env.sessions() as session:
        steps = steps_open_to(session, ME, ROLES)
        assert steps == sorted({(r["spec_name"], r["title"]) for r in rows if _open(r)}, key=lambda s: s[1])
        assert steps_open_to(session, "nobody", [("clerk", "dept")]) == []


def test_beyond_the_cap_the_count_stops_and_pages_go_on(
    db: SqlEngine, env_factory: Callable[[SqlEngine], EngineEnv]
) -> None:
    """With more than a thousand tasks open, the inbox says 1000+ and still pages past the thousandth."""
    env = env_factory(db)
    rows = _fill(env, 3 * COUNT_CAP)
    opened = sum(_open(r) for r in rows)
    assert opened > COUNT_CAP + 2 * 20
    last = -(-opened // 20)
    with env.sessions() as session:
        first = inbox(session, ME, ROLES, InboxQuery())
        assert (first.total, first.capped, first.has_next, first.pages) == (COUNT_CAP, True, True, COUNT_CAP // 20)
        far = inbox(session, ME, ROLES, InboxQuery(page=last))
        assert [r.task.id for r in far.rows] == _expected(rows, InboxQuery(page=last))
        assert (far.capped, far.has_next, far.pages) == (True, False, last)
        before_last = inbox(session, ME, ROLES, InboxQuery(page=last - 1))
        assert (before_last.has_next, before_last.pages) == (True, last)


def test_a_search_past_the_cap_counts_and_pages_like_the_inbox(
    db: SqlEngine, env_factory: Callable[[SqlEngine], EngineEnv]
) -> None:
    """A search matching more than a hundred tasks says 100+, pages to its last task and past it."""
    env = env_factory(db)
    rows = _fill(env, 3 * COUNT_CAP)
    last = -(-sum(_open(r) for r in rows) // 20)
    with env.sessions() as session:
        for query in [InboxQuery(text="h"), InboxQuery(text="h", sort="due", page=last)]:  # both subjects have an h
            page = inbox(session, ME, ROLES, query)
            assert [r.task.id for r in page.rows] == _expected(rows, query), query
            assert (page.total, page.capped, page.has_next) == (SEARCH_COUNT_CAP, True, query.page < last), query
        beyond = inbox(session, ME, ROLES, InboxQuery(text="h", page=last + 1))
        assert (beyond.rows, beyond.total, beyond.capped, beyond.pages) == ([], SEARCH_COUNT_CAP, True, last + 1)
        nothing = inbox(session, ME, ROLES, InboxQuery(text="không có"))
        assert (nothing.rows, nothing.total, nothing.capped, nothing.pages) == ([], 0, False, 1)

"""What one simple instance (start, one user task, end) costs the database, and that the shortcuts
behind that cost keep every guarantee: the instance written once with its case and state, the new
task's search text, the case's chain sealed from its start, and a read-only verdict that follows a
role change from the next transaction on. Each step runs in its own unit of work; what is checked
is read back in a fresh session. On SQLite, or PostgreSQL under TEST_DATABASE_URL (issue 12's bench,
bench/instances.py, measures the rate)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event

from engine import audit
from engine.errors import ReadOnlyActor
from engine.models import AuditEvent, ProcessInstance, TaskRow
from tests.engine.conftest import FakeDirectory

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

OFFICER = "em"  # the unit officer of "dept" (tests/engine/conftest.py)


@pytest.fixture
def env(bare_env: EngineEnv) -> EngineEnv:
    """A process of one user task, done by the unit officer of the unit its data names."""
    bare_env.deploy("one_step.bpmn")
    return bare_env


@contextmanager
def statements(env: EngineEnv) -> Iterator[list[str]]:
    """The SQL statements sent to the database meanwhile, as their verb and first table (or function)."""
    sent: list[str] = []
    bind = env.sessions.kw["bind"]

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = re.findall(r"\w+", statement)
        tables = re.findall(r"FROM (\w+)", statement)
        if words[0] in ("BEGIN", "COMMIT"):
            return
        if words[0] == "WITH":  # a statement with others before it: the main one, then the others
            *others, main = [" ".join(found) for found in re.findall(r"(INSERT|UPDATE) (?:INTO )?(\w+)", statement)]
            sent.append(f"{main} with {', '.join(others)}")
            return
        # A SELECT by the table its outer query reads (SQLite's new id is a subquery before it).
        if words[0] == "SELECT" and tables:
            sent.append(f"SELECT {tables[-1]}")
        else:
            sent.append(f"{words[0]} {words[2] if words[0] == 'INSERT' else words[1]}")

    event.listen(bind, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(bind, "before_cursor_execute", record)


def _postgresql(env: EngineEnv) -> bool:
    return bool(env.sessions.kw["bind"].dialect.name == "postgresql")


def test_a_simple_instance_is_written_once_and_completed_in_a_few_statements(env: EngineEnv) -> None:
    """Starting reads the definition (and the new id) once and inserts the instance, its event and its
    task (the instance and its task in one statement on PostgreSQL), updating nothing; completing reads
    the task with its instance once, locks and reads the case's chain head (in the same query on
    PostgreSQL) before it writes anything of the case, writes its two events and ends the instance (on
    PostgreSQL its end's event and its jobs' cancelling go in the same statement)."""
    with env.transaction() as engine:  # the process parsed once, as in a running server
        engine.start("one_step", "an", {"unit": "dept"})
    with statements(env) as sent, env.transaction() as engine:
        started = engine.start("one_step", "an", {"unit": "dept"}, title="Kế hoạch tuyên truyền")
    # PostgreSQL writes the instance and its task in one statement, the instance first.
    rows = (
        ["INSERT task with INSERT process_instance"] if _postgresql(env) else ["INSERT process_instance", "INSERT task"]
    )
    assert sorted(sent) == sorted(["INSERT audit_event", *rows, "SELECT process_definition"])
    (task,) = started.new_tasks
    case = env.row(ProcessInstance, started.instance_id)
    assert case.case_id == case.id and case.state and case.version == 1
    stored = env.row(TaskRow, task.id)
    assert stored.search_text == case.search_text == "ke hoach tuyen truyen"

    with statements(env) as sent, env.transaction() as engine:
        engine.complete(task.id, OFFICER, {"acknowledge_note": ""})
    # PostgreSQL takes the chain's lock and reads its head in the query that reads the task; each
    # event is written as it is appended (engine/audit.py).
    head = [] if _postgresql(env) else ["SELECT audit_event"]
    # PostgreSQL records the instance's end and cancels its pending jobs in the UPDATE that ends it.
    ends = (
        ["UPDATE process_instance with INSERT audit_event, UPDATE job"]
        if _postgresql(env)
        else ["INSERT audit_event", "UPDATE process_instance", "UPDATE job"]
    )
    assert sent == [
        "SELECT task",
        *head,
        "UPDATE task",
        "INSERT audit_event",
        *ends,
    ]
    assert env.row(ProcessInstance, case.id).status == "completed"
    events = env.rows(AuditEvent, AuditEvent.case_id == case.id)
    assert [(e.seq, e.tag) for e in events] == [
        (1, "engine:instance:started"),
        (2, "engine:task:completed"),
        (3, "engine:instance:completed"),
    ]
    with env.sessions() as session:
        assert audit.verify(session) == []


def test_instances_started_in_one_transaction_each_get_their_own_id_and_chain(env: EngineEnv) -> None:
    """Two cases started in one unit of work (ids read before writing) are two rows, two chains, each
    beginning at GENESIS, and verify."""
    with env.transaction() as engine:
        first = engine.start("one_step", "an", {"unit": "dept"}, title="Một")
        second = engine.start("one_step", "an", {"unit": "dept"}, title="Hai")
    assert first.instance_id != second.instance_id
    for result in (first, second):
        (event_row,) = env.rows(AuditEvent, AuditEvent.case_id == result.instance_id)
        assert (event_row.chain, event_row.seq, event_row.prev_hash) == (
            f"case:{result.instance_id}",
            1,
            audit.GENESIS,
        )
    with env.sessions() as session:
        assert audit.verify(session) == []


class CountingDirectory(FakeDirectory):
    """The fake directory, counting how often the engine asks whether someone reads only."""

    asked: int = 0

    def reads_only(self, username: str) -> bool:
        """Count, then answer as the fake directory does."""
        self.asked += 1
        return super().reads_only(username)


def test_read_only_is_asked_once_per_transaction_and_a_role_change_counts_next(env: EngineEnv) -> None:
    """Two commands of one unit of work ask the directory once; the officer who becomes an auditor
    is refused from the next unit of work on, and the task stays as it was."""
    env.directory = CountingDirectory(set(env.directory.holders))
    with env.transaction() as engine:
        (task,) = engine.start("one_step", "an", {"unit": "dept"}).new_tasks
        engine.start("one_step", "an", {"unit": "dept"})
    assert env.directory.asked == 1
    with env.transaction() as engine:
        engine.claim(task.id, OFFICER)
    env.directory.holders = {h for h in env.directory.holders if h[0] != OFFICER} | {(OFFICER, "auditor", "dept")}
    with pytest.raises(ReadOnlyActor), env.transaction() as engine:
        engine.complete(task.id, OFFICER, {"acknowledge_note": ""})
    stored = env.row(TaskRow, task.id)
    assert (stored.state, stored.assignee) == ("ready", OFFICER)

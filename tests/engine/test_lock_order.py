"""Commands on one case take its audit chain's lock before they write any of its rows, so that two of
them racing queue in one order: the later one ends in a clear conflict, never in a deadlock the
database breaks after a second by failing one of them with an error of its own.

The race is forced, not hoped for: a listener on the database connection holds the first command
just before it writes the case's row until the second command is waiting on a lock (PostgreSQL's
pg_locks says so), which is where the two used to wait on each other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import event, text

from engine import audit
from engine.errors import ConcurrencyConflict
from engine.instances import conflicts_translated
from engine.models import ProcessInstance, TaskRow
from engine.runtime import Engine
from tests.databases import postgresql_schema, postgresql_url
from web.core.db import unit_of_work

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

pytestmark = pytest.mark.postgresql
ADMIN = "quantri"


@pytest.fixture
def pg_env(env_factory: Callable[[SqlEngine], EngineEnv]) -> Iterator[EngineEnv]:
    """The engine on a fresh PostgreSQL schema with approval.bpmn deployed and an administrator."""
    with postgresql_schema(postgresql_url()) as db:
        env = env_factory(db)
        env.directory.holders.add((ADMIN, "admin", "agency"))
        env.deploy("approval.bpmn")
        yield env


def _someone_waits_on_a_lock(env: EngineEnv, timeout: float = 10.0) -> bool:
    bind: SqlEngine = env.sessions.kw["bind"]
    deadline = time.monotonic() + timeout
    with bind.connect() as watcher:
        while time.monotonic() < deadline:
            if watcher.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
                return True
            watcher.rollback()
            time.sleep(0.02)
    return False


def _race(env: EngineEnv, first: Callable[[Engine], Any], second: Callable[[Engine], Any]) -> dict[str, Any]:
    """Run `first` until it is about to write the case's row (on PostgreSQL, the UPDATE may come after a
    WITH that cancels jobs); then `second`; then let `first` go on once
    `second` waits on a lock. What each met (None for success)."""
    bind: SqlEngine = env.sessions.kw["bind"]
    at_the_case_row = threading.Event()
    outcomes: dict[str, Any] = {}
    first_thread: list[threading.Thread] = []

    def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is first_thread[0] and "UPDATE process_instance SET" in statement:
            at_the_case_row.set()
            outcomes["second waited"] = _someone_waits_on_a_lock(env)

    def run(name: str, command: Callable[[Engine], Any]) -> None:
        try:
            with unit_of_work(env.sessions) as session:
                command(Engine(session, env.services))
        except BaseException as exc:  # noqa: BLE001  (the test inspects what each met)
            outcomes[name] = exc
        else:
            outcomes[name] = None

    event.listen(bind, "before_cursor_execute", hold)
    try:
        first_thread.append(threading.Thread(target=run, args=("first", first)))
        first_thread[0].start()
        assert at_the_case_row.wait(timeout=30), "the first command never reached the case's row"
        second_thread = threading.Thread(target=run, args=("second", second))
        second_thread.start()
        for thread in (first_thread[0], second_thread):
            thread.join(timeout=60)
            assert not thread.is_alive(), "a racing command hung"
    finally:
        event.remove(bind, "before_cursor_execute", hold)
    return outcomes


def test_suspending_while_the_last_step_is_approved_is_a_conflict_not_a_deadlock(
    pg_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    with pg_env.transaction() as engine:
        started = engine.start("approval", "an", approval_data)
    with pg_env.transaction() as engine:
        (check,) = engine.complete(started.new_tasks[0].id, "an", {"text": "x"}).new_tasks
    outcomes = _race(
        pg_env,
        lambda engine: engine.complete(check.id, "chi", {"decision": "approve"}),
        lambda engine: engine.suspend(started.instance_id, ADMIN, "Chờ ý kiến"),
    )
    assert outcomes["second waited"]
    assert outcomes["first"] is None, repr(outcomes["first"])
    assert isinstance(outcomes["second"], ConcurrencyConflict), repr(outcomes["second"])
    assert pg_env.row(ProcessInstance, started.instance_id).status == "completed"
    assert pg_env.row(TaskRow, check.id).completed_by == "chi"
    with pg_env.sessions() as session:
        assert audit.verify(session) == []


def test_claiming_while_the_case_is_suspended_is_a_conflict_not_a_deadlock(
    pg_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    with pg_env.transaction() as engine:
        started = engine.start("approval", "an", approval_data)
    task_id = started.new_tasks[0].id
    outcomes = _race(
        pg_env,
        lambda engine: engine.suspend(started.instance_id, ADMIN, "Chờ ý kiến"),
        lambda engine: engine.complete(task_id, "an", {"text": "x"}),
    )
    assert outcomes["second waited"]
    assert outcomes["first"] is None, repr(outcomes["first"])
    assert isinstance(outcomes["second"], ConcurrencyConflict), repr(outcomes["second"])
    assert pg_env.row(ProcessInstance, started.instance_id).status == "suspended"
    assert pg_env.row(TaskRow, task_id).state == "ready"
    with pg_env.sessions() as session:
        assert audit.verify(session) == []


def test_a_deadlock_the_database_breaks_is_told_as_a_conflict(pg_env: EngineEnv) -> None:
    """Two transactions take two locks in opposite orders, each in a function wrapped as every engine
    command is (`conflicts_translated`): PostgreSQL breaks the deadlock by failing one, which its
    caller gets as a ConcurrencyConflict; the other goes through."""
    both_hold_one = threading.Barrier(2)
    outcomes: dict[int, Any] = {}

    @conflicts_translated
    def lock_both(first: int, second: int) -> None:
        with unit_of_work(pg_env.sessions) as session:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": first})
            both_hold_one.wait(timeout=10)
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": second})

    def run(index: int, first: int, second: int) -> None:
        try:
            lock_both(first, second)
        except BaseException as exc:  # noqa: BLE001  (the test inspects what each met)
            outcomes[index] = exc
        else:
            outcomes[index] = None

    threads = [threading.Thread(target=run, args=(0, 71, 72)), threading.Thread(target=run, args=(1, 72, 71))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(outcome).__name__ for outcome in outcomes.values()) == ["ConcurrencyConflict", "NoneType"]

"""Fixtures for engine-only tests: the real engine on an isolated database, with small fake ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit_keys import AuditKeys
from engine.clock import ManualClock
from engine.db import Base
from engine.models import AuditEvent
from engine.ports import ScriptContext
from engine.runtime import Engine
from engine.services import EngineServices
from tests.databases import isolated_engine
from tests.engine.audit_tampering import agency_keys, seal_with
from web.core.db import make_session_factory, unit_of_work

T = TypeVar("T", bound=Base)
BPMN = Path(__file__).parent / "bpmn"
START = datetime(2023, 3, 6, 1, 0, tzinfo=UTC)  # Monday 6 March 2023, 08:00 in Hà Nội
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

# Who holds which role in which unit: (username, role, unit).
PEOPLE = {
    ("an", "specialist", "dept"),
    ("binh", "specialist", "dept"),
    ("chi", "division_head", "dept"),
    ("dung", "specialist", "other"),
    ("em", "unit_officer", "dept"),
}


@dataclass
class FakeDirectory:
    """The org chart as a set of (username, role, unit); substitutions as (substitute, absent, first, last day)."""

    holders: set[tuple[str, str, str]]
    stand_ins: set[tuple[str, str, date, date]] = field(default_factory=set)

    def may_act(self, username: str, role: str, unit_code: str) -> bool:
        """Whether the user holds the role in the unit."""
        return (username, role, unit_code) in self.holders

    def anyone_holds(self, role: str, unit_code: str) -> bool:
        """Whether someone holds the role in the unit."""
        return any((r, u) == (role, unit_code) for _, r, u in self.holders)

    def colleagues(self, username: str) -> list[str]:
        """Everyone sharing a unit with the user."""
        units = {unit for user, _, unit in self.holders if user == username}
        return sorted({user for user, _, unit in self.holders if unit in units and user != username})

    def reads_only(self, username: str) -> bool:
        """Whether the user holds only the auditor's role."""
        roles = {role for user, role, _ in self.holders if user == username}
        return bool(roles) and roles <= {"auditor"}

    def administers(self, username: str) -> bool:
        """Whether the user holds the administrator's role in some unit."""
        return any(user == username and role == "admin" for user, role, _ in self.holders)

    def stands_in_for(self, username: str, on: date) -> list[str]:
        """The absent people the user substitutes for on that day."""
        return sorted(
            {absent for sub, absent, first, last in self.stand_ins if sub == username and first <= on <= last}
        )


class PassThroughForms:
    """A form validator that accepts any data as it is."""

    def validate(
        self, form_key: str, data: Mapping[str, Any], *, now: datetime, task_data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Return the data unchanged."""
        return dict(data)


@dataclass
class EngineEnv:
    """The engine on its own database: sessions, services, clock and what the fake ports saw."""

    sessions: sessionmaker[Session]
    clock: ManualClock = field(default_factory=lambda: ManualClock(START))
    directory: FakeDirectory = field(default_factory=lambda: FakeDirectory(set(PEOPLE)))
    sent: list[str] = field(default_factory=list)
    outage: str | None = None
    services: EngineServices = field(init=False)

    def __post_init__(self) -> None:
        self.services = EngineServices(
            clock=self.clock,
            directory=lambda session: self.directory,
            forms=lambda session: PassThroughForms(),
            scripts=self.functions,
            business_timezone=HANOI,
            max_job_attempts=3,
        )

    def transaction(self) -> AbstractContextManager[Engine]:
        """One committed unit of work with the engine bound to it."""

        @contextmanager
        def _transaction() -> Iterator[Engine]:
            with unit_of_work(self.sessions) as session:
                yield Engine(session, self.services)

        return _transaction()

    def deploy(self, *names: str, actor: str = "quantri") -> None:
        """Deploy BPMN files of tests/engine/bpmn in one unit of work."""
        with self.transaction() as engine:
            for name in names:
                engine.deploy((BPMN / name).read_bytes(), name, actor)

    def audit_count(self) -> int:
        """How many audit events are stored."""
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)

    def rows(self, model: type[T], *where: Any) -> list[T]:
        """Stored rows of one table matching the conditions, oldest first, read in a fresh session."""
        with self.sessions() as session:
            return list(session.scalars(select(model).where(*where).order_by(*model.__table__.primary_key)))

    def row(self, model: type[T], key: Any) -> T:
        """One stored row by primary key, read in a fresh session."""
        with self.sessions() as session:
            found = session.get(model, key)
            assert found is not None, f"{model.__name__} {key!r} not stored"
            return found

    def send_reminder(self, unit: str) -> bool:
        """The notifier port: records a reminder, or fails while an outage is set."""
        if self.outage:
            raise RuntimeError(self.outage)
        self.sent.append(unit)
        return True

    def functions(self, context: ScriptContext) -> Mapping[str, Callable[..., Any]]:
        """The allow-list scripts see."""
        return {"double": lambda value: 2 * value, "send_reminder": self.send_reminder}


def _load_all_models() -> None:
    import engine.models  # noqa: F401
    import workflows.models  # noqa: F401


def build_env(db: SqlEngine) -> EngineEnv:
    """Create the tables on `db` and wire the engine with fake ports and a manual clock."""
    _load_all_models()
    Base.metadata.create_all(db)
    return EngineEnv(make_session_factory(db))


@pytest.fixture
def env_factory() -> Callable[[SqlEngine], EngineEnv]:
    """Build an engine environment on a database the test provides (e.g. a PostgreSQL schema)."""
    return build_env


@pytest.fixture
def bare_env(tmp_path: Path) -> Iterator[EngineEnv]:
    """The engine on a fresh, empty database (SQLite, or PostgreSQL under TEST_DATABASE_URL)."""
    with isolated_engine(tmp_path) as db:
        yield build_env(db)


@pytest.fixture
def engine_env(bare_env: EngineEnv) -> EngineEnv:
    """The engine on a fresh database with approval.bpmn deployed."""
    bare_env.deploy("approval.bpmn")
    return bare_env


APPROVAL_DATA: dict[str, Any] = {
    "unit": "dept",
    "deadline": "2023-03-10",
    "remind_at": "2023-03-09T09:00:00+07:00",
    "text": "Kế hoạch tuyên truyền",
}


@pytest.fixture
def keys() -> AuditKeys:
    """The agency's audit key, as `directive-flow setup` makes one."""
    return agency_keys()


@pytest.fixture
def sealed_env(bare_env: EngineEnv, keys: AuditKeys) -> EngineEnv:
    """The engine sealing its audit events with the agency's key, approval.bpmn deployed."""
    seal_with(bare_env, keys)
    bare_env.deploy("approval.bpmn")
    return bare_env


@pytest.fixture
def approval_data() -> dict[str, Any]:
    """Start data of the approval process: unit, date-only deadline, reminder moment, text."""
    return dict(APPROVAL_DATA)

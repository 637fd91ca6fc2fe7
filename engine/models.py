"""The engine's tables: definitions, instances, queryable task rows, jobs and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .audit_guard import refuse_changes
from .db import Base
from .types import UtcDateTime


class ProcessDefinition(Base):
    """One deployed version of one executable BPMN process."""

    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        UniqueConstraint("key", "checksum"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(500))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # Facts read from the XML at deployment (lanes as roles, user-task properties) so that
    # commands never re-read the XML.
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Why this version was deployed, in the deploying administrator's words (migration 0024).
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class ProcessInstance(Base):
    """One running (or finished) process; its SpiffWorkflow state is one serialized document."""

    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_parent", "parent_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    # The root case this instance belongs to (itself for a top-level instance).
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    parent_task_id: Mapped[str | None] = mapped_column(String(36))
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    title: Mapped[str | None] = mapped_column(String(1000))
    # Title and numbers folded for search (see engine.text.fold); kept by whoever sets them.
    search_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    # SQLAlchemy adds "AND version = :old" to every UPDATE and raises StaleDataError when
    # another transaction got there first: the optimistic lock of docs/architecture.md §2.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it as declared)


class TaskRow(Base):
    """A user task as a row, so that inboxes and overdue lists never deserialize workflows."""

    __tablename__ = "task"
    __table_args__ = (
        # The deadline rides along so that "overdue" and "due soon" filters stay on these indexes.
        Index("ix_task_inbox", "state", "role", "candidate_unit", "due_at"),
        Index("ix_task_assignee", "state", "assignee", "due_at"),
        Index("ix_task_due", "state", "due_at"),
        # Tasks offered to a (role, unit), in the inbox's orders (engine/inbox.py): a page reads its
        # first rows from these instead of sorting every match, the step filter skips from one step
        # to the next, and counts read index entries only. The assignee comes last: PostgreSQL
        # orders by the columns after an equality, but not after `assignee IS NULL`.
        # On PostgreSQL the first also holds what a search of the inbox matches (the case's text,
        # copied onto the task), filters by and returns: a search reads it alone, not the table.
        Index(
            "ix_task_offered_urgent",
            *("state", "role", "candidate_unit", "priority", "created_at", "assignee"),
            postgresql_include=["due_at", "spec_name", "id", "search_text"],
        ),
        Index("ix_task_offered_received", "state", "role", "candidate_unit", "created_at", "assignee"),
        Index("ix_task_offered_steps", "state", "role", "candidate_unit", "spec_name", "title", "assignee"),
        # Ready tasks per step of a process and their arrival (the supervisors' diagram): the count
        # and the average arrival read this index alone.
        Index("ix_task_step", "state", "spec_name", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    spec_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    # What this occurrence of the step is about (e.g. which unit's report), from the `detail` property.
    detail: Mapped[str | None] = mapped_column(String(500))
    form_key: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(50))
    candidate_unit: Mapped[str | None] = mapped_column(String(50))
    assignee: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    decision: Mapped[str | None] = mapped_column(String(50))
    comment: Mapped[str | None] = mapped_column(Text)
    # The case's search text (`ProcessInstance.search_text`) while the task is ready, so that the
    # inbox's search box reads task rows only; `task_rows.keep_search_text` keeps it in step.
    search_text: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Never loaded (the engine sets instance_id): it tells a flush to write a new instance before its
    # rows, which the engine adds together and writes in one flush.
    instance: Mapped[ProcessInstance] = relationship(lazy="raise")

    # Claims and completions of the same task race; the loser gets a conflict, never a lost update.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it as declared)


class Job(Base):
    """Work due at a time: a timer to fire, a parent to resume after a child instance ended, a message to deliver."""

    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_due", "status", "due_at"),
        UniqueConstraint("instance_id", "kind", "target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    # What the job acts on: the timer task id, or the child instance id.
    target: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What a message job carries to its instance (engine/messages.py); None for other kinds.
    payload: Mapped[Any] = mapped_column(JSON, nullable=True)
    # Never loaded: a new instance is written before its jobs in the same flush (see TaskRow.instance).
    instance: Mapped[ProcessInstance] = relationship(lazy="raise")


class AuditEvent(Base):
    """An append-only record of something that happened, hash-chained with the events before it in its chain."""

    __tablename__ = "audit_event"
    # Unique, so two writers can never both extend the same head; its index also finds the head.
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    # The global order of events.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # The chain the event belongs to ("case:<case_id>", or "agency" for events of no case) and its position there.
    chain: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    tag: Mapped[str] = mapped_column(String(200), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    instance_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[str | None] = mapped_column(String(36))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    # The HMAC-SHA256 seal of the event (engine/audit.py) under the audit key named by key_id.
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))


refuse_changes(AuditEvent.__table__)

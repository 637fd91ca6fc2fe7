"""Keeping the queryable task rows in step with an instance's ready user tasks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, object_session

from .errors import NoOneToDoTask
from .instances import LoadedInstance, ready_user_tasks
from .models import ProcessInstance, TaskRow
from .ports import Directory

READY, COMPLETED, CANCELLED = "ready", "completed", "cancelled"


def due_moment(value: Any, zone: tzinfo) -> datetime | None:
    """A deadline as an aware datetime; a bare date means the end of that day in `zone`."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value + timedelta(days=1), time(0), zone)
    else:
        text = str(value)
        if len(text) == 10:
            return due_moment(date.fromisoformat(text), zone)
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _evaluate(spiff_task: Any, expression: str | None) -> Any:
    if not expression:
        return None
    return spiff_task.workflow.script_engine.evaluate(spiff_task, expression)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)[:500]


def new_row(
    loaded: LoadedInstance,
    spiff_task: Any,
    now: datetime,
    zone: tzinfo,
    priorities: Mapping[str, int],
) -> TaskRow:
    """A task row for a user task that just became ready, its properties evaluated in its data."""
    info = loaded.metadata["user_tasks"].get(spiff_task.task_spec.bpmn_id, {})
    props: dict[str, str] = info.get("properties", {})
    priority = _evaluate(spiff_task, props.get("priority"))
    return TaskRow(
        id=str(spiff_task.id),
        instance_id=loaded.row.id,
        case_id=loaded.row.case_id,
        spec_name=spiff_task.task_spec.bpmn_id,
        title=info.get("title") or spiff_task.task_spec.bpmn_name or spiff_task.task_spec.bpmn_id,
        detail=_text(_evaluate(spiff_task, props.get("detail"))),
        form_key=props.get("formKey"),
        role=info.get("role"),
        candidate_unit=_evaluate(spiff_task, props.get("candidateUnit")),
        assignee=_evaluate(spiff_task, props.get("assignee")) or None,
        state=READY,
        priority=priorities.get(str(priority), 0) if not isinstance(priority, int) else priority,
        created_at=now,
        due_at=due_moment(_evaluate(spiff_task, props.get("dueDate")), zone),
    )


def sync(
    session: Session,
    loaded: LoadedInstance,
    now: datetime,
    zone: tzinfo,
    priorities: Mapping[str, int],
) -> list[TaskRow]:
    """Add rows for newly ready user tasks, close rows whose task moved on; return the new rows.

    An open row stands for each user task that was ready when the instance was saved, so only the
    tasks that became ready, or stopped being ready, since it was loaded are written; rows are
    read only to be closed, and not at all when the session already holds them.
    """
    workflow = loaded.workflow
    ready = ready_user_tasks(workflow)
    for row in _open_rows(session, [task_id for task_id in loaded.ready_tasks if task_id not in ready]):
        spiff_task = workflow.get_task_from_id(UUID(row.id))
        if spiff_task is not None and spiff_task.state == TaskState.COMPLETED:
            row.state = COMPLETED
            row.completed_at = row.completed_at or now
        else:
            row.state = CANCELLED
            row.completed_at = now
    created = [
        new_row(loaded, t, now, zone, priorities) for task_id, t in ready.items() if task_id not in loaded.ready_tasks
    ]
    session.add_all(created)
    for row in created:
        case = loaded.row if row.case_id == loaded.row.id else _held_case(session, row.case_id)
        if case is not None:
            row.search_text = case.search_text  # what keep_search_text would copy, without its UPDATE
        else:
            owe_search_text(session, row.case_id)
    loaded.ready_tasks = set(ready)
    return created


def _held_case(session: Session, case_id: int) -> ProcessInstance | None:
    """The case's instance if the session holds it (a parent starting its children): its text is at hand."""
    held = session.identity_map.get(session.identity_key(ProcessInstance, case_id))
    return held if isinstance(held, ProcessInstance) else None


def _open_rows(session: Session, task_ids: list[str]) -> list[TaskRow]:
    """The rows of these tasks still open; those the session holds (a task just completed) are not read again."""
    held = [session.identity_map.get(session.identity_key(TaskRow, task_id)) for task_id in task_ids]
    rows = [row for row in held if isinstance(row, TaskRow)]
    missing = [task_id for task_id, row in zip(task_ids, held, strict=True) if not isinstance(row, TaskRow)]
    if missing:
        rows += session.scalars(select(TaskRow).where(TaskRow.id.in_(missing), TaskRow.state == READY))
    return [row for row in rows if row.state == READY]


def keep_search_text(session: Session, case_id: int | None) -> None:
    """Copy the case's search text onto its ready task rows that lack it or hold an older one.

    The inbox's search box matches `TaskRow.search_text` and reads nothing else (engine/inbox.py);
    called after every save, this catches new rows and a case whose number or title changed. A
    save that made neither (most: a timer fired, a task completed) writes nothing.
    """
    owed = session.info.get(_TEXT_OWED)
    if not owed or case_id not in owed:
        return
    owed.discard(case_id)
    case_text = select(ProcessInstance.search_text).where(ProcessInstance.id == TaskRow.case_id).scalar_subquery()
    session.execute(
        update(TaskRow)
        .where(TaskRow.case_id == case_id, TaskRow.state == READY, TaskRow.search_text.is_distinct_from(case_text))
        .values(search_text=case_text)
        .execution_options(synchronize_session=False)
    )


# The cases whose ready task rows may hold an older search text than the case: a row was added, or
# the case's text was changed, since their last `keep_search_text`. Kept in the session, so each
# unit of work starts afresh; a mark left by a rolled-back change only costs one UPDATE.
_TEXT_OWED = "cases_owing_task_search_text"


def owe_search_text(session: Session, case_id: int | None) -> None:
    """Mark the case's ready task rows as owing its search text, changed or new since they were written."""
    session.info.setdefault(_TEXT_OWED, set()).add(case_id)


@listens_for(ProcessInstance.search_text, "set")
def _case_text_changed(target: ProcessInstance, value: str | None, old: object, _initiator: object) -> None:
    # The engine writes an instance's text straight to its row (engine/core.py), and tells itself.
    session = object_session(target)
    if value != old and session is not None:
        owe_search_text(session, target.id)


def require_someone(rows: Iterable[TaskRow], directory: Directory) -> None:
    """Refuse a new task nobody could see: NoOneToDoTask, so the command that reached it stores nothing.

    A task is open to its assignee, or else to whoever holds its lane's role in its candidate unit
    (``Engine.may_do``); a unit with no such person would leave the case stuck in no one's inbox.
    """
    for row in rows:
        if row.role is None or row.candidate_unit is None:
            someone = False
        elif row.assignee:
            someone = directory.may_act(row.assignee, row.role, row.candidate_unit)
        else:
            someone = directory.anyone_holds(row.role, row.candidate_unit)
        if not someone:
            raise NoOneToDoTask(
                row.spec_name,
                row.title,
                role=row.role,
                unit=row.candidate_unit,
                assignee=row.assignee,
                instance_id=row.instance_id,
            )

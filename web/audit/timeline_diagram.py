"""The case's diagram as it was after a chosen event: what was finished and what waited then.

The same reading as the case page's diagram (web/cases/case_progress.py), with the task rows,
fired timers and child instances cut at the chosen event of the trail instead of taken as they
are now.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from engine.models import AuditEvent, ProcessDefinition, ProcessInstance, TaskRow
from web.cases.case_progress import Progress, _reachable_from, _spread, graph_of
from workflows.audit.timeline import COMPLETED, case_events

ENDED = ("engine:instance:completed", "engine:instance:cancelled")


def progress_upto(session: Session, case: ProcessInstance, upto: int) -> Progress:
    """The finished and waiting elements of the case's own diagram right after event `upto`."""
    graph = graph_of(session.get_one(ProcessDefinition, case.definition_id))
    events = case_events(session, case.id, upto=upto)
    # A command's rows are written a moment after its event: the steps started before the case's
    # next event (or in the same instant as the chosen one) were reached by then.
    cutoff = events[-1].at if events else case.started_at
    following = session.scalar(
        select(AuditEvent.at)
        .where(AuditEvent.case_id == case.id, AuditEvent.id > upto)
        .order_by(AuditEvent.id)
        .limit(1)
    )
    started_by_then: ColumnElement[bool] = TaskRow.created_at <= cutoff
    if following is None:
        started_by_then = true()
    elif following > cutoff:
        started_by_then = TaskRow.created_at < following
    own = [e for e in events if e.instance_id == case.id]
    done = {str(e.after.get("task")) for e in own if e.tag == COMPLETED and isinstance(e.after, dict)}
    done |= {str(e.after.get("timer")) for e in own if e.tag == "engine:timer:fired" and isinstance(e.after, dict)}
    finished_tasks = {e.task_id for e in own if e.tag == COMPLETED}
    ended = next((e.tag for e in own if e.tag in ENDED), None)
    rows = session.execute(
        select(TaskRow.id, TaskRow.spec_name).where(TaskRow.instance_id == case.id, started_by_then)
    ).all()
    current = set() if ended else {name for task_id, name in rows if task_id not in finished_tasks}
    children = {e.instance_id: (e.after or {}).get("process") for e in events if e.tag == "engine:instance:started"}
    children.pop(case.id, None)
    over = {e.instance_id for e in events if e.tag in ENDED}
    for call, called in graph.called.items():
        mine = [child for child, key in children.items() if key == called or len(graph.called) == 1]
        if any(child not in over for child in mine) and not ended:
            current.add(call)
        elif mine:
            done.add(call)
    done |= set(graph.of_kind("startEvent"))
    if ended == "engine:instance:completed":
        aside = _reachable_from(graph, graph.of_kind("boundaryEvent"))
        done |= {end for end in graph.of_kind("endEvent") if end not in aside}
    # The steps that run on their own between two waits are carried along as on the case page.
    done = _spread(graph, done, current)
    return Progress(sorted((done - current) & graph.kinds.keys()), sorted(current))

"""Helpers of the reminder-round tests: start a round as a page would, and take its letter through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.models import Job, TaskRow
from tests.workflows.lifecycle_helpers import CheckedRehearsal, session_of
from web.core.composition import Runtime, engine_transactions
from workflows.calendar import WorkingCalendar
from workflows.directive import reminder_rounds as rounds
from workflows.directive.round_start import start_round
from workflows.directive.tracking import UnitTracking, of_case

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkingCalendar()


@dataclass(frozen=True)
class People:
    """Who drafts, checks, signs and issues the round's letter in one organisation."""

    specialist: str
    head: str
    signer: str
    clerk: str


def late_now(runtime: Runtime, case_id: int, today: str) -> list[str]:
    """The units the unit table pre-selects on `today`."""
    with session_of(runtime) as session:
        return rounds.late_units(session, case_id, date.fromisoformat(today))


def start(runtime: Runtime, case_id: int, units: list[str], days: int, actor: str, today: str) -> int:
    """Start a round as the page does, in one committed unit of work; its id."""
    now = runtime.services.clock.now()
    with engine_transactions(runtime)() as engine:
        request = rounds.RoundRequest(case_id, units, days, actor, date.fromisoformat(today), now)
        return start_round(engine, request, CALENDAR).id


def take_through(r: CheckedRehearsal, people: People, moment: str = "2023-03-27") -> dict[str, object]:
    """Draft (unchanged), approve, sign and issue the round's letter; the round's data as drafted."""
    r.at(f"{moment} 10:00")
    draft = r.pending("draft_round")
    assert len(draft) == 1
    with engine_transactions(_runtime_of(r))() as engine:
        data = engine.data(draft[0].instance_id)
    r.do(
        people.specialist, "draft_round", {"letter_subject": data["letter_subject"], "letter_body": data["letter_body"]}
    )
    r.at(f"{moment} 11:00")
    r.do(people.head, "review_round", {"decision": "approve", "comment": ""})
    r.at(f"{moment} 14:00")
    r.do(people.signer, "sign_round", {"decision": "sign", "comment": ""})
    r.at(f"{moment} 15:00")
    r.do(people.clerk, "issue_round", {"issue_note": ""})
    r.tick()  # the worker delivers the deadline messages after the issuing step committed
    return data


def _runtime_of(r: CheckedRehearsal) -> Runtime:
    assert r.runtime is not None
    return r.runtime


def round_row(runtime: Runtime, round_id: int) -> rounds.ReminderRound:
    """The round as stored now."""
    with session_of(runtime) as session:
        row = session.get(rounds.ReminderRound, round_id)
        assert row is not None
        return row


def tracking_rows(runtime: Runtime, case_id: int) -> dict[str, UnitTracking]:
    """Every unit's row of theo dõi thực hiện, by unit."""
    with session_of(runtime) as session:
        return {row.unit_code: row for row in of_case(session, case_id)}


def ready_unit_tasks(runtime: Runtime, case_id: int) -> dict[str, TaskRow]:
    """The ready acknowledge or report task of each unit, by unit."""
    with session_of(runtime) as session:
        query = select(TaskRow).where(
            TaskRow.case_id == case_id, TaskRow.state == "ready", TaskRow.spec_name.in_(("acknowledge", "report"))
        )
        return {str(row.detail): row for row in session.scalars(query)}


def due_day(moment: datetime | None) -> date | None:
    """The day a task's due moment ends (a day's deadline is stored as the next midnight in Vietnam)."""
    return (moment.astimezone(LOCAL) - timedelta(microseconds=1)).date() if moment is not None else None


def pending_timers(runtime: Runtime, instance_id: int) -> list[datetime]:
    """When the instance's pending timers are due, earliest first."""
    with session_of(runtime) as session:
        query = select(Job.due_at).where(Job.instance_id == instance_id, Job.kind == "timer", Job.status == "pending")
        return sorted(session.scalars(query))

"""The reference directive driven over HTTP against a served application, dated around today.

Every step is a person's: open the task page in their own signed-in browser, fill its form, send
it. The served database is read only to find which task a person would pick from their inbox and
to describe the case when a test fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import func, select

from engine.models import Job, ProcessInstance, TaskRow
from tests.served import Reply, ServedApp, WebClient
from tests.web.task_helpers import draft_changes
from workflows.calendar import LOCAL_TZ, WorkingCalendar
from workflows.directive import reference_case as case
from workflows.directive.scenario import CLERK, DIRECTOR, HEAD, SIGNER, SPECIALIST
from workflows.orgchart.directory import OrgDirectory


def local_today() -> date:
    """Today in Lạng Sơn: the served application runs on the real clock."""
    return datetime.now(LOCAL_TZ).date()


@dataclass
class DirectiveOverHttp:
    """One directive case on a served application, with one browser per person who acts on it."""

    served: ServedApp
    today: date = field(default_factory=local_today)
    case_id: int = 0
    browsers: dict[str, WebClient] = field(default_factory=dict)
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)

    def browser(self, username: str) -> WebClient:
        """The person's browser, signed in on first use."""
        if username not in self.browsers:
            self.browsers[username] = self.served.client(username)
        return self.browsers[username]

    def working_day(self, days: int) -> str:
        """The working day `days` working days from today, ISO."""
        return self.calendar.add_working_days(self.today, days).isoformat()

    # -- finding what a person would open -------------------------------------------------------

    def ready(self, spec_name: str, unit: str | None = None) -> list[TaskRow]:
        """Ready tasks of one step of the case (about one unit), oldest first."""
        with self.served.reading() as session:
            query = select(TaskRow).where(
                TaskRow.case_id == self.case_id, TaskRow.spec_name == spec_name, TaskRow.state == "ready"
            )
            if unit is not None:
                query = query.where((TaskRow.candidate_unit == unit) | (TaskRow.detail == unit))
            return list(session.scalars(query.order_by(TaskRow.created_at, TaskRow.id)))

    def the_ready(self, spec_name: str, unit: str | None = None) -> TaskRow:
        """The one ready task of a step (about one unit)."""
        rows = self.ready(spec_name, unit)
        assert len(rows) == 1, f"expected one ready {spec_name} ({unit}), found {len(rows)}\n{self.state()}"
        return rows[0]

    def officer_of(self, unit: str) -> str:
        """The first unit officer of a unit, from the org chart."""
        with self.served.reading() as session:
            holders = OrgDirectory(session).holders("unit_officer", unit)
        assert holders, f"no unit officer for {unit}"
        return holders[0]

    # -- acting ---------------------------------------------------------------------------------

    def do(self, username: str, spec_name: str, changes: Mapping[str, Any], unit: str | None = None) -> Reply:
        """The person opens the step's task page, fills in `changes` and sends the form; it must succeed."""
        task = self.the_ready(spec_name, unit)
        reply = self.browser(username).submit(f"/tasks/{task.id}", changes)
        assert reply.status == 302, f"{username} doing {spec_name} ({unit}): {reply.status}\n{_main(reply.text)}"
        return reply

    #: The letter the clerk registers and who registers it: the reference case's by default.
    incoming: ClassVar[Mapping[str, Any]] = case.INCOMING
    clerk = CLERK

    def register(self) -> None:
        """The clerk registers the letter, arrived today; the case opens."""
        letter = {
            **self.incoming,
            "incoming_date": (self.today - timedelta(days=3)).isoformat(),
            "incoming_received_date": self.today.isoformat(),
        }
        with self.served.reading() as session:
            before = session.scalar(select(func.max(ProcessInstance.id))) or 0
        reply = self.browser(self.clerk).submit("/incoming/new", letter)
        assert reply.status == 302, f"registering: {reply.status}\n{_main(reply.text)}"
        with self.served.reading() as session:
            opened = session.scalar(
                select(ProcessInstance.id).where(
                    ProcessInstance.id > before, ProcessInstance.process_key == "directive_lifecycle"
                )
            )
        assert opened is not None, "registering opened no case"
        self.case_id = opened

    def to_issue(self, groups: list[str] | None = None) -> list[str]:
        """Instruct, draft, approve, sign and issue (to `groups`, all three by default); the units it went to."""
        self.do(DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": self.working_day(3)})
        draft = case.draft()
        draft["report_deadline"] = self.working_day(10)
        if groups is not None:
            draft["recipient_groups"] = groups
        self.do(SPECIALIST, "draft", draft_changes(draft))
        self.do(HEAD, "review_content", {"decision": "approve", "comment": ""})
        self.do(SIGNER, "sign", {"decision": "sign", "comment": ""})
        self.do(CLERK, "issue", {"issue_note": "Phát hành qua Hệ thống quản lý văn bản và điều hành."})
        return [row.candidate_unit or "" for row in self.ready("acknowledge")]

    #: Who accepts the units' reports, and what a unit reports: the reference case's by default.
    specialist = SPECIALIST

    def report_of(self, index: int) -> dict[str, Any]:
        """The index-th unit's report as data, dated today."""
        return case.unit_report(index, self.today.isoformat())

    def unit_report(self, index: int) -> dict[str, Any]:
        """The index-th unit's report as its officer types it, dated today."""
        report = self.report_of(index)
        changes = {key: value for key, value in report.items() if key != "figures"}
        changes.update({f"figures.{name}": value for name, value in report["figures"].items()})
        return changes

    def unit_carries_out(self, index: int, unit: str) -> None:
        """The unit acknowledges and reports; the specialist accepts the report."""
        officer = self.officer_of(unit)
        self.do(officer, "acknowledge", {"acknowledge_note": ""}, unit)
        self.do(officer, "report", self.unit_report(index), unit)
        self.do(self.specialist, "review_report", {"decision": "accept", "comment": ""}, unit)

    # -- what a failing test tells -------------------------------------------------------------

    def state(self) -> str:
        """The case as stored: its instances by status, its ready tasks, its jobs and incidents."""
        with self.served.reading() as session:
            instances = session.execute(
                select(ProcessInstance.status, func.count())
                .where(ProcessInstance.case_id == self.case_id)
                .group_by(ProcessInstance.status)
            ).all()
            ready = session.execute(
                select(TaskRow.spec_name, TaskRow.detail).where(
                    TaskRow.case_id == self.case_id, TaskRow.state == "ready"
                )
            ).all()
            ids = select(ProcessInstance.id).where(ProcessInstance.case_id == self.case_id)
            jobs = session.scalars(select(Job).where(Job.instance_id.in_(ids)).order_by(Job.id)).all()
            lines = [f"case {self.case_id}: instances {dict(instances)}"]
            lines.append("ready tasks: " + (", ".join(f"{s}({d or ''})" for s, d in ready) or "none"))
            by_status: dict[str, int] = {}
            for job in jobs:
                by_status[job.status] = by_status.get(job.status, 0) + 1
            lines.append(f"jobs: {by_status}")
            lines += [
                f"  job {j.id} {j.kind} {j.status} attempts={j.attempts}: {j.last_error}" for j in jobs if j.last_error
            ]
        return "\n".join(lines)


def _main(html: str) -> str:
    """The page's main content, for a failure message (the error summary is in it)."""
    start = html.find("<main")
    return html[start : start + 3000] if start >= 0 else html[:3000]

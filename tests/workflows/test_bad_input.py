"""Bad form data is refused field by field, in Vietnamese and English, and leaves no trace."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.errors import InvalidTaskData
from engine.models import AuditEvent, ProcessInstance, TaskRow
from tests.workflows.lifecycle_helpers import CheckedRehearsal, officer_of, rehearsal, run_to_issue, session_of
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive.queries import arrival_of
from workflows.directive.scenario import CLERK, DIRECTOR, HEAD, SIGNER, SPECIALIST
from workflows.notifications import Notification
from workflows.registers.models import IncomingDocument, NumberCounter


def _snapshot(runtime: Runtime, task_id: str) -> tuple[Any, ...]:
    """Everything a refused submission must leave as it was."""
    with session_of(runtime) as session:
        task = session.get(TaskRow, task_id)
        assert task is not None
        case = session.get(ProcessInstance, task.instance_id)
        assert case is not None

        def count(model: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        numbers = select(NumberCounter.sequence_key, NumberCounter.last_value)
        counters = sorted(tuple(row) for row in session.execute(numbers))
        return (
            task.state,
            task.version,
            task.completed_by,
            case.version,
            case.state,
            count(AuditEvent),
            count(IncomingDocument),
            count(Notification),
            counters,
        )


def _refused(
    runtime: Runtime, r: CheckedRehearsal, actor: str, step: str, data: dict[str, Any], unit: str | None = None
) -> set[str]:
    """Submit bad data; check nothing changed and every error speaks both languages; the fields named."""
    [task] = r.pending(step, unit)
    before = _snapshot(runtime, task.id)
    with pytest.raises(InvalidTaskData) as refused:
        r.do(actor, step, data, unit=unit)
    assert _snapshot(runtime, task.id) == before
    assert [t.id for t in r.pending(step, unit)] == [task.id]
    for error in refused.value.errors:
        assert error.label_vi.strip() and error.label_en.strip()
        assert error.message_vi.strip() and error.message_en.strip()
        assert error.message_vi != error.message_en
    return {error.field for error in refused.value.errors}


@pytest.fixture
def started(runtime: Runtime, clock: ManualClock) -> CheckedRehearsal:
    """A case waiting for the clerk to register the incoming letter."""
    r = rehearsal(runtime, clock)
    r.start("directive_lifecycle", CLERK)
    return r


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        (_without(case.INCOMING, "incoming_issuer"), {"incoming_issuer"}),
        ({**case.INCOMING, "incoming_date": "2023-02-30"}, {"incoming_date"}),
        ({**case.INCOMING, "urgency": "rất khẩn"}, {"urgency"}),
        (
            {**_without(case.INCOMING, "incoming_issuer"), "incoming_date": "2023-02-30", "urgency": "rất khẩn"},
            {"incoming_issuer", "incoming_date", "urgency"},
        ),
    ],
    ids=["missing-issuer", "no-such-date", "unknown-urgency", "all-three"],
)
def test_bad_registration_is_refused_and_consumes_no_arrival_number(
    runtime: Runtime, started: CheckedRehearsal, data: dict[str, Any], fields: set[str]
) -> None:
    """The clerk sees each bad field; corrected, the letter still gets arrival number 1."""
    assert _refused(runtime, started, CLERK, "register_incoming", data) == fields
    started.do(CLERK, "register_incoming", case.INCOMING)
    with session_of(runtime) as session:
        arrival = arrival_of(session, started.case_id or 0)
        assert arrival is not None and arrival.arrival_number == 1


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"lead_division": "XYZ"}, {"lead_division"}),
        ({"signer": SPECIALIST}, {"signer"}),
        ({"lead_division": "XYZ", "signer": "khongco"}, {"lead_division", "signer"}),
        ({"handling_deadline": "10/03/2023"}, {"handling_deadline"}),
    ],
    ids=["unknown-division", "signer-not-a-leader", "both", "date-not-iso"],
)
def test_bad_instruction_is_refused(
    runtime: Runtime, started: CheckedRehearsal, change: dict[str, Any], fields: set[str]
) -> None:
    """The director is told which division or signer does not exist or may not sign."""
    started.do(CLERK, "register_incoming", case.INCOMING)
    assert _refused(runtime, started, DIRECTOR, "instruct", {**case.INSTRUCTION, **change}) == fields
    started.do(DIRECTOR, "instruct", case.INSTRUCTION)
    assert [t.spec_name for t in started.pending()] == ["draft"]


def test_bad_draft_and_returns_without_a_comment_are_refused(runtime: Runtime, started: CheckedRehearsal) -> None:
    """A draft needs tasks and known recipient groups; nobody may send it back without saying why."""
    started.do(CLERK, "register_incoming", case.INCOMING)
    started.do(DIRECTOR, "instruct", case.INSTRUCTION)
    bad_draft = {**case.draft(), "recipient_groups": ["khong_co_nhom"], "draft_tasks": []}
    assert _refused(runtime, started, SPECIALIST, "draft", bad_draft) == {"draft_tasks"}
    assert _refused(runtime, started, SPECIALIST, "draft", {**case.draft(), "recipient_groups": ["khong_co_nhom"]}) == {
        "recipient_groups.0"
    }
    started.do(SPECIALIST, "draft", case.draft())
    no_reason = {"decision": "return", "comment": "   "}
    assert _refused(runtime, started, HEAD, "review_content", no_reason) == {"comment"}
    assert _refused(runtime, started, HEAD, "review_content", {"decision": "maybe"}) == {"decision"}
    started.do(HEAD, "review_content", {"decision": "approve", "comment": ""})
    assert _refused(runtime, started, SIGNER, "sign", {"decision": "return"}) == {"comment"}


def test_negative_figure_in_a_unit_report_is_refused(runtime: Runtime, clock: ManualClock) -> None:
    """A unit cannot report a negative count; the error points at figures.articles."""
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    unit, officer = units[0], officer_of(runtime)(units[0])
    r.do(officer, "acknowledge", {"acknowledge_note": ""}, unit=unit)
    report = case.unit_report(0, "2023-03-15")
    bad = {**report, "figures": {**report["figures"], "articles": -3}}
    assert _refused(runtime, r, officer, "report", bad, unit) == {"figures.articles"}
    worse = {**bad, "report_date": "2023-13-01", "narrative": ""}
    assert _refused(runtime, r, officer, "report", worse, unit) == {"figures.articles", "report_date", "narrative"}
    r.do(officer, "report", report, unit=unit)
    assert len(r.pending("review_report", unit)) == 1

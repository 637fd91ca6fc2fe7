"""The auditors' search across cases: each criterion, and every combination tried, gives exactly the
events the rules select when applied in Python to the whole trail; in the reference organisation and
in the invented one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import AuditEvent, ProcessInstance, TaskRow
from engine.text import fold
from tests.workflows import invented_org as invented
from tests.workflows.lifecycle_helpers import rehearsal, session_of
from web.core.composition import Runtime
from workflows.audit.search import COMPLETED, Criteria, every_hit, people_named, search, steps
from workflows.calendar import LOCAL_TZ
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.orgchart.models import User

SECOND_NUMBER = "77/UBND-KT"
SECOND_RETURN = "Đề nghị nêu rõ thời hạn báo cáo của từng đơn vị."


@pytest.fixture
def two_cases(runtime: Runtime, clock: ManualClock) -> tuple[int, int]:
    """The reference letter returned once by the head, then approved; a second letter returned on 13/3."""
    first = rehearsal(runtime, clock)
    scenario.register_and_instruct(first)
    scenario.draft_and_approve(first, return_once=True)
    second = rehearsal(runtime, clock)
    second.at("2023-03-13 06:30")  # 23:30 UTC on 12/3
    second.start("directive_lifecycle", scenario.CLERK)
    second.do(scenario.CLERK, "register_incoming", {**case.INCOMING, "incoming_number": SECOND_NUMBER})
    second.at("2023-03-13 09:00")
    second.do(scenario.DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": "2023-03-17"})
    second.at("2023-03-13 10:00")
    second.do(scenario.SPECIALIST, "draft", case.draft())
    second.at("2023-03-14 08:00")
    second.do(scenario.HEAD, "review_content", {"decision": "return", "comment": SECOND_RETURN})
    return first.case_id or 0, second.case_id or 0


def _by_rules(runtime: Runtime, criteria: Criteria) -> list[int]:
    """The ids of the events the criteria select, by the rules applied in Python to every event."""
    with session_of(runtime) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.case_id.is_not(None))).all()
        tasks = {row.id: row for row in session.scalars(select(TaskRow))}
        cases = {row.id: row for row in session.scalars(select(ProcessInstance))}

    def matches(event: AuditEvent) -> bool:
        task: Any = tasks.get(event.task_id or "")
        local_day = event.at.astimezone(LOCAL_TZ).date()
        checks = [
            criteria.people is None or event.actor in criteria.people,
            criteria.unit is None or (task is not None and task.candidate_unit == criteria.unit),
            criteria.role is None or (task is not None and task.role == criteria.role),
            criteria.step is None or (task is not None and task.spec_name == criteria.step),
            criteria.decision is None
            or (event.tag == COMPLETED and task is not None and task.decision == criteria.decision),
            criteria.first_day is None or local_day >= criteria.first_day,
            criteria.last_day is None or local_day <= criteria.last_day,
            not criteria.number or fold(criteria.number) in (cases[event.case_id or 0].search_text or ""),
        ]
        return all(checks)

    chosen = sorted((e for e in events if matches(e)), key=lambda e: (e.at, e.id), reverse=True)
    return [event.id for event in chosen]


def _found(runtime: Runtime, criteria: Criteria) -> list[int]:
    with session_of(runtime) as session:
        return [hit.event_id for hit in every_hit(session, criteria)]


def test_every_return_by_a_head_of_division_names_the_head_the_step_the_comment_and_the_day(
    runtime: Runtime, two_cases: tuple[int, int]
) -> None:
    first, second = two_cases
    with session_of(runtime) as session:
        hits = every_hit(session, Criteria(role="division_head", decision="return"))
    assert [(hit.case_id, hit.comment) for hit in hits] == [(second, SECOND_RETURN), (first, scenario.RETURN_COMMENT)]
    newest = hits[0]
    assert newest.actor == scenario.HEAD and newest.actor_name and newest.actor_name != scenario.HEAD
    assert (newest.step, newest.role, newest.unit, newest.decision) == (
        "review_content",
        "division_head",
        case.INSTRUCTION["lead_division"],
        "return",
    )
    assert newest.unit_name and newest.case_number == SECOND_NUMBER
    assert newest.at.astimezone(LOCAL_TZ) == datetime(2023, 3, 14, 8, 0, tzinfo=LOCAL_TZ)
    # The approval of the same step by the same head is not a return.
    with session_of(runtime) as session:
        approvals = every_hit(session, Criteria(people=(scenario.HEAD,), decision="approve"))
    assert [hit.case_id for hit in approvals] == [first]


def test_each_criterion_and_their_combinations_select_what_the_rules_select(
    runtime: Runtime, two_cases: tuple[int, int]
) -> None:
    base = Criteria()
    tries = [
        replace(base, people=(scenario.SPECIALIST,)),
        replace(base, people=(scenario.SPECIALIST, scenario.CLERK)),
        replace(base, people=()),
        replace(base, unit=case.INSTRUCTION["lead_division"]),
        replace(base, role="clerk"),
        replace(base, step="draft"),
        replace(base, step="draft", people=(scenario.SPECIALIST,), first_day=date(2023, 3, 8)),
        replace(base, decision="return"),
        replace(base, decision="return", role="director"),
        replace(base, first_day=date(2023, 3, 7), last_day=date(2023, 3, 7)),
        replace(base, first_day=date(2023, 3, 13)),
        replace(base, last_day=date(2023, 3, 6)),
        replace(base, number=SECOND_NUMBER),
        replace(base, number=fold(case.INCOMING["incoming_number"]).upper()),
        replace(base, number="không có số này"),
        replace(base, number=SECOND_NUMBER, role="division_head", decision="return"),
    ]
    for criteria in tries:
        assert _found(runtime, criteria) == _by_rules(runtime, criteria), criteria
    # Not every try is empty, nor every one everything: the rules tell them apart.
    sizes = {len(_by_rules(runtime, criteria)) for criteria in tries}
    assert 0 in sizes and len(sizes) > 5


def test_a_day_range_is_read_in_vietnam_s_days(runtime: Runtime, two_cases: tuple[int, int]) -> None:
    """The second letter was registered at 06:30 on 13/3 in Vietnam, 23:30 on 12/3 in UTC: it belongs to 13/3."""
    _first, second = two_cases
    with session_of(runtime) as session:
        on_the_13th = every_hit(session, Criteria(first_day=date(2023, 3, 13), last_day=date(2023, 3, 13)))
        until_the_12th = every_hit(session, Criteria(last_day=date(2023, 3, 12)))
    registered = [hit for hit in on_the_13th if hit.step == "register_incoming" and hit.tag == COMPLETED]
    assert [hit.case_id for hit in registered] == [second]
    assert registered[0].at.astimezone(LOCAL_TZ) == datetime(2023, 3, 13, 6, 30, tzinfo=LOCAL_TZ)
    assert {hit.at.astimezone(LOCAL_TZ).date() for hit in on_the_13th} == {date(2023, 3, 13)}
    assert until_the_12th and second not in {hit.case_id for hit in until_the_12th}


def test_pages_cover_every_match_once_newest_first(runtime: Runtime, two_cases: tuple[int, int]) -> None:
    criteria = Criteria(first_day=date(2023, 3, 1))
    expected = _by_rules(runtime, criteria)
    seen: list[int] = []
    with session_of(runtime) as session:
        first = search(session, criteria, page=1, per_page=7)
        assert first.total == len(expected) and first.pages == -(-len(expected) // 7)
        for number in range(1, first.pages + 1):
            seen += [hit.event_id for hit in search(session, criteria, page=number, per_page=7).hits]
        # A page past the last shows the last.
        assert search(session, criteria, page=first.pages + 5, per_page=7).page == first.pages
    assert seen == expected


def test_a_count_past_its_cap_says_so_and_the_pages_hold_the_newest_up_to_the_cap(
    runtime: Runtime, two_cases: tuple[int, int]
) -> None:
    criteria = Criteria(first_day=date(2023, 3, 1))
    expected = _by_rules(runtime, criteria)
    assert len(expected) > 12
    with session_of(runtime) as session:
        capped = search(session, criteria, page=99, per_page=5, cap=12)
        whole = search(session, criteria, per_page=5, cap=len(expected))
    assert (capped.total, capped.complete, capped.pages, capped.page) == (13, False, 3, 3)
    assert [hit.event_id for hit in capped.hits] == expected[10:12]
    assert (whole.total, whole.complete) == (len(expected), True)


def test_people_are_found_by_username_or_part_of_their_name_with_or_without_diacritics(
    runtime: Runtime, two_cases: tuple[int, int]
) -> None:
    with session_of(runtime) as session:
        name = session.scalar(select(User.full_name).where(User.username == scenario.HEAD)) or ""
        assert name and fold(name) != name
        assert people_named(session, scenario.HEAD.upper()) == (scenario.HEAD,)
        assert scenario.HEAD in people_named(session, fold(name))
        assert scenario.HEAD in people_named(session, name.upper())
        assert people_named(session, "   ") == ()
        assert people_named(session, "Không Ai Tên Này") == ()


def test_the_steps_offered_are_those_of_the_deployed_processes(runtime: Runtime) -> None:
    with session_of(runtime) as session:
        offered = dict(steps(session))
    assert {"register_incoming", "instruct", "draft", "review_content", "sign", "issue"} <= set(offered)
    assert offered["review_content"] == "Kiểm tra nội dung"


def test_in_the_invented_organisation_the_head_s_return_is_found(tmp_path: Path, clock: ManualClock) -> None:
    """Another organisation, other people and units: the same search finds its head's return and no one else's."""
    with invented.invented_runtime(tmp_path, clock) as runtime:
        r = rehearsal(runtime, clock)
        r.start("directive_lifecycle", invented.CLERK)
        r.do(invented.CLERK, "register_incoming", invented.LETTER)
        r.do(invented.DIRECTOR, "instruct", invented.INSTRUCTION)
        r.do(invented.SPECIALIST, "draft", invented.draft(invented.SUBORDINATE_UNITS))
        clock.advance(timedelta(hours=2))
        r.do(invented.HEAD, "review_content", {"decision": "return", "comment": "Bổ sung thời hạn."})
        with session_of(runtime) as session:
            people = people_named(session, "lo van khai")
            hits = every_hit(session, Criteria(people=people, decision="return", number="88/ubnd-kt"))
            by_unit = every_hit(session, Criteria(unit=invented.STAFFED, role="division_head"))
            elsewhere = every_hit(session, Criteria(unit=invented.NO_SPECIALIST))
        assert people == (invented.HEAD,)
        assert [(h.actor_name, h.unit_name, h.comment) for h in hits] == [
            ("Lò Văn Khải", "Phòng Trồng trọt", "Bổ sung thời hạn.")
        ]
        assert hits[0].case_number == invented.LETTER["incoming_number"]
        assert {h.actor for h in by_unit} == {invented.HEAD} and by_unit
        assert elsewhere == []

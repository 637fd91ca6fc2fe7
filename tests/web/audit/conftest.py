"""What the auditors' page tests share: the invented Sở with an auditor of its own, and a case there
whose draft its head returned."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal
from tests.workflows import invented_org as invented
from tests.workflows.lifecycle_helpers import rehearsal, session_of
from web import create_app
from web.accounts.users import give_demo_passwords
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.calendar import LOCAL_TZ
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal
from workflows.orgchart.out_of_office import name_substitute

INVENTED_AUDITOR = "kt.snn"


@pytest.fixture
def invented_app(tmp_path: Path, clock: ManualClock) -> Iterator[tuple[Flask, Runtime]]:
    """The invented Sở with an auditor of its own."""
    chart = copy.deepcopy(invented.CHART)
    chart["roles"].append({"code": "auditor", "name": "Thanh tra nội bộ"})
    chart["users"].append(
        invented._user(INVENTED_AUDITOR, "Quách Văn Lâm", "QVL", "Thanh tra viên", "VPS", f"auditor@{invented.AGENCY}")
    )
    with invented.invented_runtime(tmp_path, clock, chart) as runtime:
        with unit_of_work(runtime.sessions) as session:
            give_demo_passwords(session)
        application = create_app(runtime=runtime)
        application.config["TESTING"] = True
        yield application, runtime


def returned_in_invented(runtime: Runtime, clock: ManualClock, comment: str) -> Rehearsal:
    """A letter of the invented Sở registered, instructed and drafted; its head returns the draft with `comment`."""
    r = fast_rehearsal(runtime, clock)
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", invented.CLERK)
    r.do(invented.CLERK, "register_incoming", invented.LETTER)
    r.do(invented.DIRECTOR, "instruct", invented.INSTRUCTION)
    r.do(invented.SPECIALIST, "draft", invented.draft(invented.SUBORDINATE_UNITS))
    r.at("2023-03-07 09:15")
    r.do(invented.HEAD, "review_content", {"decision": "return", "comment": comment})
    return r


def drafted_standing_in(runtime: Runtime, clock: ManualClock) -> tuple[Rehearsal, date]:
    """The reference case instructed, the specialist away today with the head named to stand in ("Nghỉ
    phép"), and the head drafting in the specialist's place; with that day."""
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    today = clock.now().astimezone(LOCAL_TZ).date()
    with session_of(runtime) as session:
        name_substitute(
            session,
            by=scenario.SPECIALIST,
            absent=scenario.SPECIALIST,
            substitute=scenario.HEAD,
            from_date=today,
            to_date=today,
            reason="Nghỉ phép",
            at=clock.now(),
            today=today,
        )
    r.do(scenario.HEAD, "draft", case.draft())
    return r, today

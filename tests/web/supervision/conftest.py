"""Fixtures of the supervision pages' tests: a directive most of whose units are late."""

from __future__ import annotations

import pytest

from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal
from tests.workflows.lifecycle_helpers import officer_of
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario

ON_TIME = 6


@pytest.fixture
def late_case(runtime: Runtime, clock: ManualClock) -> tuple[int, list[str], list[str]]:
    """The reference directive issued; six units report on time, none of the others does; 27/3/2023."""
    r = fast_rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r)
    units = scenario.issue(r)
    officer = officer_of(runtime)
    r.at("2023-03-10 09:00")
    for unit in units:
        r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    r.at("2023-03-15 10:00")
    for index, unit in enumerate(units[:ON_TIME]):
        r.do(officer(unit), "report", case.unit_report(index, "2023-03-15"), unit=unit)
    r.at("2023-03-27 09:00")
    return r.case_id or 0, units[:ON_TIME], units[ON_TIME:]

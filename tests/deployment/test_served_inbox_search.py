"""The inbox's search box over HTTP, in the invented district: a unit officer finds the directive sent
to their unit by the number it was issued under and by its subject typed without diacritics.

The number is given by the issuing step, in the same command that offers the units their tasks; the
search reads the text each task row carries (engine/inbox.py), so this checks that the engine gave
it to the units' rows through the real process, served by gunicorn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.models import ProcessInstance
from engine.text import fold
from tests.deployment.test_served_other_organisation import DistrictOverHttp
from tests.served import ServedApp, WebClient, run_setup, served_database, start_server
from tests.workflows import district_org as district


@pytest.fixture
def served_district(tmp_path: Path) -> Iterator[ServedApp]:
    """`directive-flow serve` on a fresh database set up with the district's chart."""
    with served_database(tmp_path) as (database, db):
        environment = {**database, "ORG_CHART_FILE": str(district.CHART_FILE)}
        run_setup(tmp_path, environment)
        with start_server(tmp_path, environment, db) as app:
            yield app


def _found(browser: WebClient, words: str) -> tuple[str, list[str]]:
    """The inbox's count and the tasks it links to, searching for `words`."""
    reply = browser.get(f"/?q={words}")
    assert reply.status == 200, reply.status
    count = re.search(r'<span class="count">\(([^)]*)\)</span>', reply.text)
    assert count is not None
    return count.group(1), re.findall(r'href="/tasks/([0-9a-f-]{36})"', reply.text)


def test_unit_officer_finds_the_issued_directive_by_number_and_subject(served_district: ServedApp) -> None:
    """Each unit's officer finds their own unit's task only, by the number and by bare subject words."""
    d = DistrictOverHttp(served_district)
    d.register()
    first, second, *_ = d.to_issue()
    with served_district.reading() as session:
        case = session.get(ProcessInstance, d.case_id)
        assert case is not None and case.business_key
        number, subject = case.business_key, case.title or ""
    for unit in (first, second):
        (task,) = d.ready("acknowledge", unit)
        browser = d.browser(d.officer_of(unit))
        assert _found(browser, number) == ("1", [task.id])
        assert _found(browser, fold(subject).upper().replace(" ", "+")) == ("1", [task.id])
        assert _found(browser, "khong+co+van+ban+nay") == ("0", [])

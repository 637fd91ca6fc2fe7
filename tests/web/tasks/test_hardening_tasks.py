"""Claiming or releasing a task that is not mine answers exactly as for a task that does not exist."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from engine.clock import ManualClock
from tests.web.conftest import csrf_token
from tests.web.task_helpers import ready, task_row
from tests.workflows.lifecycle_helpers import rehearsal, run_to_issue
from web.core.composition import Runtime, engine_transactions
from workflows.directive.rehearsal import Rehearsal

Login = Callable[[str], FlaskClient]
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """A rehearsal of the reference case on the application's database and clock."""
    return rehearsal(runtime, clock)


def _answer(client: FlaskClient, task_id: str, action: str) -> tuple[int, str]:
    """Status and page of a claim or release, without what differs by request alone (tokens, the id)."""
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(f"/tasks/{task_id}/{action}", data={"csrf_token": token})
    html = re.sub(r'name="csrf_token" (?:type="hidden" )?value="[^"]+"', "", response.get_data(as_text=True))
    return response.status_code, html.replace(task_id, "(id)")


def test_another_units_task_answers_as_no_task_at_all(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The library's officer tries the museum's task while it is open, claimed and done: every answer is the
    404 page of an id nobody gave, and the task stays as the museum left it."""
    run_to_issue(r)
    theirs = ready(runtime, r.case_id or 0, "acknowledge", unit="BTLS")
    library = login("cb.tvls")
    nothing = {action: _answer(library, UNKNOWN, action) for action in ("claim", "release")}
    assert nothing["claim"][0] == nothing["release"][0] == 404

    def same_as_nothing() -> None:
        for action in ("claim", "release"):
            assert _answer(library, theirs.id, action) == nothing[action], action

    same_as_nothing()
    with engine_transactions(runtime)() as engine:
        engine.claim(theirs.id, "cb.btls")
    same_as_nothing()
    assert task_row(runtime, theirs.id).assignee == "cb.btls"
    r.do("cb.btls", "acknowledge", {"acknowledge_note": ""}, unit="BTLS")
    same_as_nothing()
    row = task_row(runtime, theirs.id)
    assert (row.state, row.assignee, row.completed_by) == ("completed", "cb.btls", "cb.btls")


def test_releasing_a_task_i_do_not_hold_answers_as_no_task(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The museum's officer releasing a task of his own group that nobody claimed: nothing to give back."""
    run_to_issue(r)
    mine = ready(runtime, r.case_id or 0, "acknowledge", unit="BTLS")
    museum = login("cb.btls")
    assert _answer(museum, mine.id, "release") == _answer(museum, UNKNOWN, "release")
    assert _answer(museum, mine.id, "claim")[0] == 302
    assert _answer(museum, mine.id, "release")[0] == 302
    assert task_row(runtime, mine.id).assignee is None

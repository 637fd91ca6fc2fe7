"""Small things a new user notices: the required-field note only where a field is required, and an icon."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal
from tests.web.task_helpers import ready
from tests.workflows.lifecycle_helpers import officer_of, run_to_issue
from web.core.composition import Runtime
from workflows.directive import scenario

Login = Callable[[str], FlaskClient]
NOTE = "Trường có dấu * là bắt buộc."


def test_the_required_note_only_on_forms_with_required_fields(
    login: Login, runtime: Runtime, clock: ManualClock
) -> None:
    r = fast_rehearsal(runtime, clock)
    units = run_to_issue(r)
    unit = units[0]
    acknowledge = ready(runtime, r.case_id or 0, "acknowledge", unit=unit)
    officer = login(officer_of(runtime)(unit))

    page = officer.get(f"/tasks/{acknowledge.id}").get_data(as_text=True)

    assert 'id="task-form"' in page and NOTE not in page  # only an optional note to write
    assert NOTE in login(scenario.CLERK).get("/incoming/new").get_data(as_text=True)


def test_a_form_with_required_fields_carries_the_note(login: Login, runtime: Runtime, clock: ManualClock) -> None:
    r = fast_rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    task = ready(runtime, r.case_id or 0, "draft")

    page = login(scenario.SPECIALIST).get(f"/tasks/{task.id}").get_data(as_text=True)

    assert NOTE in page and '<span class="req" aria-hidden="true"> *</span>' in page


def test_a_favicon_is_served_and_named_by_every_page(client: FlaskClient) -> None:
    for address in ("/favicon.ico", "/favicon.svg"):
        icon = client.get(address)
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"
        assert icon.get_data(as_text=True).lstrip().startswith("<svg")
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)

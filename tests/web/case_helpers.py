"""Helpers of the case-page, search and attachment tests: the reference case in a chosen state, extra users."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from engine.clock import ManualClock
from engine.worker import run_due_jobs
from tests.web.conftest import csrf_token
from web.accounts.passwords import hash_password
from web.accounts.users import DEMO_PASSWORD
from web.core.composition import Runtime, engine_transactions
from web.core.db import unit_of_work
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal
from workflows.orgchart.models import RoleAssignment, User

Login = Callable[[str], FlaskClient]
XSS_COMMENT = "<script>alert('xss')</script> Đề nghị bổ sung mục 4."


def fast_rehearsal(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """A rehearsal on the application's database and clock, each step one committed unit of work."""
    return Rehearsal(engine_transactions(runtime), clock, lambda: run_due_jobs(runtime.sessions, runtime.services))


def draft_returned_then_issued(
    r: Rehearsal, *, groups: list[str] | None = None, comment: str = XSS_COMMENT
) -> list[str]:
    """The reference case up to its issue: one return with `comment`, then approval, signature and issue.

    `groups` narrows the recipient groups (the reference case sends to all three); returns the recipient units.
    """
    scenario.register_and_instruct(r)
    draft = case.draft()
    if groups is not None:
        draft["recipient_groups"] = groups
    r.at("2023-03-07 09:00")
    r.do(scenario.SPECIALIST, "draft", draft)
    r.at("2023-03-07 14:00")
    r.do(scenario.HEAD, "review_content", {"decision": "return", "comment": comment})
    r.at("2023-03-08 08:30")
    r.do(scenario.SPECIALIST, "draft", draft)
    r.at("2023-03-08 10:00")
    r.do(scenario.HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.at("2023-03-08 15:00")
    r.do(scenario.SIGNER, "sign", {"decision": "sign", "comment": ""})
    return scenario.issue(r)


def add_user(runtime: Runtime, username: str, full_name: str, unit: str, role: str) -> None:
    """A further active user holding one role in one unit, with the demo password."""
    with unit_of_work(runtime.sessions) as session:
        session.add(
            User(
                username=username,
                full_name=full_name,
                initials="X",
                position_title="Chuyên viên",
                unit_code=unit,
                password_hash=hash_password(DEMO_PASSWORD),
                active=True,
            )
        )
        session.flush()
        session.add(RoleAssignment(username=username, role=role, unit_code=unit))


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A client of its own, signed in as `username` through the real sign-in form (HTTPS, as browsers)."""
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client

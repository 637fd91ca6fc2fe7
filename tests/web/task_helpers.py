"""Helpers of the task-page tests: read a page's form as a browser would, and submit it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from engine.models import AuditEvent, TaskRow
from tests.workflows.lifecycle_helpers import session_of
from web.core.composition import Runtime


class _FormReader(HTMLParser):
    """The name/value pairs a browser would submit for one form, as the page fills it."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self.textarea: str | None = None
        self.text: list[str] = []
        self.select: str | None = None
        self.chosen: str | None = None
        self.first: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self.textarea, self.text = a["name"], []
        elif tag == "select":
            self.select, self.chosen, self.first = a["name"], None, None
        elif tag == "option" and self.select is not None:
            if self.first is None:
                self.first = a.get("value", "")
            if "selected" in a:
                self.chosen = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            self.pairs.append((self.textarea, "".join(self.text)))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            self.pairs.append((self.select, self.chosen if self.chosen is not None else self.first or ""))
            self.select = None


def form_values(html: str, form_id: str = "task-form") -> MultiDict[str, str]:
    """What the form would send if submitted as it stands."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return MultiDict(reader.pairs)


def fill(values: MultiDict[str, str], changes: Mapping[str, Any]) -> MultiDict[str, str]:
    """The form with some fields changed; a list sets all values of a field (checkboxes)."""
    filled = values.copy()
    for name, value in changes.items():
        filled.setlist(name, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return filled


def submit(client: FlaskClient, task_id: str, changes: Mapping[str, Any] | None = None) -> TestResponse:
    """Open the task page, change some fields, and submit its form."""
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200, page.get_data(as_text=True)
    values = fill(form_values(page.get_data(as_text=True)), changes or {})
    return client.post(f"/tasks/{task_id}", data=values)


def draft_changes(draft: Mapping[str, Any]) -> dict[str, Any]:
    """A draft as a person types it into the page: tasks one per line, Nơi nhận rows, ticked groups."""
    changes: dict[str, Any] = {
        key: draft[key] for key in ("draft_subject", "draft_basis", "draft_intro", "draft_closing", "report_deadline")
    }
    changes["draft_tasks"] = "\n".join(draft["draft_tasks"])
    changes["recipient_groups"] = list(draft["recipient_groups"])
    for index, item in enumerate(draft["cc"]):
        changes[f"cc.{index}.name"] = item["name"]
        changes[f"cc.{index}.tag"] = item["tag"]
    return changes


def ready(runtime: Runtime, case_id: int, spec_name: str, unit: str | None = None) -> TaskRow:
    """The one ready task of a step of the case (for one unit)."""
    with session_of(runtime) as session:
        query = select(TaskRow).where(
            TaskRow.case_id == case_id, TaskRow.spec_name == spec_name, TaskRow.state == "ready"
        )
        if unit is not None:
            query = query.where((TaskRow.candidate_unit == unit) | (TaskRow.detail == unit))
        rows = list(session.scalars(query))
    assert len(rows) == 1, f"expected one ready {spec_name}, found {len(rows)}"
    return rows[0]


def task_row(runtime: Runtime, task_id: str) -> TaskRow:
    """A task row as stored now."""
    with session_of(runtime) as session:
        row = session.get(TaskRow, task_id)
        assert row is not None
        return row


def audit_events(runtime: Runtime, task_id: str, tag: str) -> list[AuditEvent]:
    """The audit events of one kind about one task."""
    with session_of(runtime) as session:
        query = select(AuditEvent).where(AuditEvent.task_id == task_id, AuditEvent.tag == tag)
        return list(session.scalars(query.order_by(AuditEvent.id)))


def field_block(html: str, field_id: str) -> str:
    """The markup from a field's label to its input: where its hint and errors are shown."""
    found = re.search(rf'<label for="{re.escape(field_id)}">.*?id="{re.escape(field_id)}"', html, re.DOTALL)
    assert found, f"no field {field_id} on the page"
    return found.group(0)

"""The administrators' units page on the reference chart: every unit with its kind, parent and validity;
the import's messages in English for an administrator who reads English."""

from __future__ import annotations

import io
import re

from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.orgchart.models import Unit, UnitKind

ADMIN = "quantri"


def test_the_administrator_sees_every_unit_with_its_kind_parent_and_validity(app: Flask, runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        units = list(session.scalars(select(Unit)))
        division = next(u for u in units if u.kind == "division")
        parent = next(u for u in units if u.code == division.parent_code)
        kind = session.scalars(select(UnitKind.name).where(UnitKind.code == "division")).one()
    page = signed_in(app, ADMIN).get("/admin/units").get_data(as_text=True)
    assert len(re.findall(r"<tr data-code=", page)) == len(units)
    row = page[page.index(f'<tr data-code="{division.code}">') :]
    row = row[: row.index("</tr>")]
    assert division.name in row and kind in row and f'{parent.name} <span class="muted">({parent.code})</span>' in row
    assert f"từ {division.valid_from:%d/%m/%Y}" in row
    assert 'href="/admin/units/import"' in page


def test_the_preview_speaks_english_when_asked(app: Flask) -> None:
    admin = signed_in(app, ADMIN)
    admin.post("/lang/en", data={"csrf_token": csrf_token(admin.get("/inbox").get_data(as_text=True))})
    token = csrf_token(admin.get("/admin/units/import").get_data(as_text=True))
    data = "code,name,kind,valid_from\r\nVP_MOI,Văn phòng mới,thon,01/01/2025\r\n".encode()
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(data), "units.csv")})
    response = admin.post("/admin/units/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unit kind: No unit kind “thon” (kinds: province, agency, division," in page

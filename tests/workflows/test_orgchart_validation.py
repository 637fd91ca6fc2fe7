"""A broken chart is refused as a whole: every problem named by its row and field, and nothing stored.

The charts are the invented district's (tests/workflows/district_org.py) with one thing broken each.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.workflows import district_org as district
from workflows.orgchart.loader import DEFAULT_CHART, load_org_chart
from workflows.orgchart.models import RecipientGroup, Role, RoleAssignment, Setting, Unit, UnitKind, User
from workflows.orgchart.validation import OrgChartInvalid

TABLES = (UnitKind, Role, Unit, RecipientGroup, User, RoleAssignment, Setting)
Edit = Callable[[dict[str, Any]], object]


def _counts(session: Session) -> dict[str, int]:
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


def _unit_names(session: Session) -> dict[str, str]:
    return {row.code: row.name for row in session.execute(select(Unit.code, Unit.name))}


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _broken(edit: Edit) -> dict[str, Any]:
    data = copy.deepcopy(district.CHART)
    edit(data)
    return data


BROKEN: list[tuple[str, Edit, str]] = [
    ("agency without a name", lambda d: d["units"][0].pop("name"), "units[0] (UBND_DX) name: is missing"),
    ("agency setting missing", lambda d: d["settings"].pop("agency"), "settings agency: is missing"),
    ("place name missing", lambda d: d["settings"].pop("place_name"), "settings place_name: is missing"),
    ("place name blank", lambda d: d["settings"].update(place_name=" "), "settings place_name: is missing"),
    ("place name not text", lambda d: d["settings"].update(place_name=7), "settings place_name: must be text"),
    ("collective body not text", lambda d: d["settings"].update(collective_body=["UBND"]),
     "settings collective_body: must be text"),
    ("format check without an office", lambda d: (d["settings"].update(format_check_required=True),
                                                  d["settings"].pop("office_unit")),
     "settings office_unit: is missing: format checks are required"),
    ("format check not true or false", lambda d: d["settings"].update(format_check_required="no"),
     "settings format_check_required: must be true or false"),
    ("unknown parent body", lambda d: d["settings"].update(parent_body="UBND_TINH"),
     "settings parent_body: unknown unit 'UBND_TINH'"),
    ("duplicate unit code", lambda d: d["units"][3].update(code="NNMT"),
     "units[3] (NNMT) code: 'NNMT' is listed twice (first at units[2])"),
    ("unknown parent unit", lambda d: d["units"][4].update(parent_code="UBND_NOWHERE"),
     "units[4] (XA_BINHAN) parent_code: unknown parent unit 'UBND_NOWHERE'"),
    ("unknown unit kind", lambda d: d["units"][9].update(kind="farm"),
     "units[9] (HTX_BINHAN) kind: unknown unit kind 'farm'"),
    ("date not ISO", lambda d: d["units"][5].update(valid_from="01/07/2021"),
     "units[5] (XA_THUONGLAM) valid_from: is not a date written YYYY-MM-DD: '01/07/2021'"),
    ("impossible date", lambda d: d["units"][5].update(valid_to="2023-02-30"),
     "units[5] (XA_THUONGLAM) valid_to: is not a date written YYYY-MM-DD: '2023-02-30'"),
    ("ends before it starts", lambda d: d["units"][6].update(valid_to="2020-01-01"),
     "units[6] (TT_DONGXUYEN) valid_to: is before valid_from"),
    ("name that is not text", lambda d: d["units"][1].update(name=5), "units[1] (VPHU) name: must be text"),
    ("notation too long", lambda d: d["units"][2].update(notation="N" * 40),
     "units[2] (NNMT) notation: is longer than 32 characters"),
    ("user without a name", lambda d: d["users"][4].pop("full_name"), "users[4] (cv.nnmt) full_name: is missing"),
    ("user in an unknown unit", lambda d: d["users"][12].update(unit_code="XA_KHAC"),
     "users[12] (cb.thitran) unit_code: unknown unit 'XA_KHAC'"),
    ("role in an unknown unit", lambda d: d["users"][3].update(roles=["division_head@PHONG_KHAC"]),
     "users[3] (tp.nnmt) roles[0]: role division_head in unknown unit 'PHONG_KHAC'"),
    ("undeclared role", lambda d: d["users"][8].update(roles=["thanh_tra@UBND_DX"]),
     "users[8] (thanhtra.ubnd) roles[0]: unknown role 'thanh_tra'"),
    ("role not written role@UNIT", lambda d: d["users"][8].update(roles=["inspector"]),
     "users[8] (thanhtra.ubnd) roles[0]: 'inspector' is not written as role@UNIT"),
    ("role declared twice", lambda d: d["roles"].append(dict(d["roles"][0])),
     "roles[9] (clerk) code: 'clerk' is listed twice (first at roles[0])"),
    ("role without a name", lambda d: d["roles"][7].pop("name"), "roles[7] (inspector) name: is missing"),
    ("no division to lead", lambda d: [u.update(kind="commune") for u in d["units"] if u["kind"] == "division"],
     "settings agency: no unit of kind 'division' under UBND_DX"),
    ("no head of the agency", lambda d: d["users"][1].update(roles=["leader@UBND_DX"]),
     "settings agency: no active user holds director@UBND_DX"),
    ("group naming an unknown unit", lambda d: d["recipient_groups"][0]["selector"].update(parent="UBND_KHAC"),
     "recipient_groups[0] (ubnd_cac_xa) selector.parent: unknown unit 'UBND_KHAC'"),
    ("group of an unknown kind", lambda d: d["recipient_groups"][1]["selector"].update(kind="university"),
     "recipient_groups[1] (truong_thcs) selector.kind: unknown unit kind 'university'"),
    ("unknown section", lambda d: d.update(departments=[]), "(file) departments: is not a section of an org chart"),
    ("section of the wrong shape", lambda d: d.update(users={}), "users: must be a list of objects"),
]  # fmt: skip


def test_the_district_chart_itself_loads(db_session: Session, tmp_path: Path) -> None:
    """The base of the broken charts is sound: kinds and roles of its own, and no parent body."""
    summary = load_org_chart(db_session, district.CHART_FILE)
    assert summary.created == {
        "unit_kind": 5, "role_definition": 9, "unit": 10, "group": 2, "user": 15, "role": 16, "setting": 6,
    }  # fmt: skip
    inspector = db_session.scalars(select(Role).where(Role.code == "inspector")).one()
    assert (inspector.name, inspector.name_en) == ("Thanh tra huyện", "District inspector")
    assert "parent_body" not in {s.key for s in db_session.scalars(select(Setting))}


@pytest.mark.parametrize(("edit", "problem"), [pytest.param(e, p, id=i) for i, e, p in BROKEN])
def test_a_broken_chart_names_its_row_and_field_and_stores_nothing(
    db_session: Session, tmp_path: Path, edit: Edit, problem: str
) -> None:
    before = _counts(db_session)
    with pytest.raises(OrgChartInvalid) as raised:
        load_org_chart(db_session, _write(tmp_path, _broken(edit)))
    lines = [str(p) for p in raised.value.problems]
    assert any(line.startswith(problem) for line in lines), lines
    assert problem.split(":")[0] in str(raised.value)
    assert _counts(db_session) == before


def test_every_problem_is_reported_at_once(db_session: Session, tmp_path: Path) -> None:
    """Ten rows broken in ten ways: one refusal lists all ten, not the first one alone."""
    names = {
        "agency without a name", "duplicate unit code", "unknown parent unit", "unknown unit kind", "date not ISO",
        "ends before it starts", "user in an unknown unit", "role in an unknown unit", "undeclared role",
        "group naming an unknown unit",
    }  # fmt: skip
    picked = [case for case in BROKEN if case[0] in names]
    assert len(picked) == len(names)

    def every(data: dict[str, Any]) -> None:
        for _name, edit, _problem in picked:
            edit(data)

    with pytest.raises(OrgChartInvalid) as raised:
        load_org_chart(db_session, _write(tmp_path, _broken(every)))
    lines = [str(p) for p in raised.value.problems]
    for _name, _edit, problem in picked:
        assert any(line.startswith(problem) for line in lines), (problem, lines)
    assert str(raised.value).startswith(f"the org chart has {len(lines)} problems:")


def test_a_broken_chart_leaves_a_loaded_organisation_as_it_was(db_session: Session, tmp_path: Path) -> None:
    """Over the reference chart already loaded, a broken file changes no row (not even its sound rows)."""
    load_org_chart(db_session, DEFAULT_CHART)
    before = _counts(db_session)
    names = _unit_names(db_session)
    data = json.loads(DEFAULT_CHART.read_text(encoding="utf-8"))
    data["units"][1]["name"] = "Tên mới của cơ quan"
    data["users"][0]["roles"] = ["clerk@NOWHERE"]
    with pytest.raises(OrgChartInvalid, match=r"users\[0\] \(vanthu\) roles\[0\]"):
        load_org_chart(db_session, _write(tmp_path, data))
    assert _counts(db_session) == before
    assert _unit_names(db_session) == names


def test_a_file_that_is_not_json_is_refused(db_session: Session, tmp_path: Path) -> None:
    path = tmp_path / "chart.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(OrgChartInvalid, match="not valid JSON"):
        load_org_chart(db_session, path)

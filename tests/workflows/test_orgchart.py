"""The org chart as data: loading it, expanding recipient groups, and asking who may act."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from engine.models import AuditEvent
from workflows.orgchart import OrgChartError
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.groups import addressee_lines, resolve_recipients
from workflows.orgchart.loader import DEFAULT_CHART, LoadSummary, load_org_chart
from workflows.orgchart.models import RecipientGroup, RoleAssignment, Setting, Unit, User
from workflows.orgchart.validation import OrgChartInvalid

SEED_GROUPS = ["don_vi_truc_thuoc_so", "phong_vhtt", "trung_tam_vhtt"]
SEED_DAY = date(2023, 3, 8)
DISTRICTS = [
    "TPLANGSON", "TRANGDINH", "VANLANG", "VANQUAN", "BINHGIA", "BACSON",
    "HUULUNG", "CHILANG", "CAOLOC", "LOCBINH", "DINHLAP",
]  # fmt: skip
PUBLIC_UNITS = ["BTLS", "TVLS", "TTVHDA", "DNT", "TTHLTD", "TTXTDL", "TCVHNT"]


def chart_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULT_CHART.read_text(encoding="utf-8"))
    return data


def write_chart(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def row_counts(session: Session) -> dict[str, int]:
    tables = (Unit, RecipientGroup, User, RoleAssignment, Setting)
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in tables}


def unit_entry(data: dict[str, Any], code: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(u for u in data["units"] if u["code"] == code)
    return entry


# --- loader -------------------------------------------------------------------------------------


def test_first_load_creates_the_seed_chart(db_session: Session, org_chart: LoadSummary) -> None:
    assert org_chart.created == {
        "unit_kind": 8, "role_definition": 10, "unit": 49, "group": 3, "user": 40, "role": 41, "setting": 6,
    }  # fmt: skip
    qlvhgd = db_session.scalars(select(Unit).where(Unit.code == "QLVHGD")).one()
    assert (qlvhgd.notation, qlvhgd.display_code, qlvhgd.parent_code) == (
        "QLVHGĐ",
        "QLVH&GĐ",
        "SVHTTDL",
    )
    agency = db_session.scalars(select(Unit).where(Unit.code == "SVHTTDL")).one()
    assert agency.header_name == "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"
    settings = {s.key: s.value for s in db_session.scalars(select(Setting))}
    assert settings["agency"] == "SVHTTDL"
    assert settings["format_check_required"] is False


def test_loading_twice_changes_nothing(db_session: Session, org_chart: LoadSummary) -> None:
    before = row_counts(db_session)
    again = load_org_chart(db_session, DEFAULT_CHART)
    assert not again.changed
    assert row_counts(db_session) == before


def test_reload_applies_edits_and_revokes_removed_roles(
    db_session: Session, org_chart: LoadSummary, tmp_path: Path
) -> None:
    data = chart_data()
    unit_entry(data, "QLDL")["email"] = "qldl@langson.example"
    giamdoc = next(u for u in data["users"] if u["username"] == "giamdoc")
    giamdoc["roles"] = ["director@SVHTTDL"]
    data["settings"]["format_check_required"] = True

    summary = load_org_chart(db_session, write_chart(tmp_path, data))

    assert summary.updated == {"unit": 1, "setting": 1}
    assert summary.removed == {"role": 1}
    assert not summary.created
    assert OrgDirectory(db_session).roles_of("giamdoc") == {("director", "SVHTTDL")}


def test_each_load_that_changes_something_is_one_audit_event_with_what_changed(
    db_session: Session, org_chart: LoadSummary, tmp_path: Path
) -> None:
    """Who changed which unit, user or role, from what to what, is in the audit trail; an idle load adds nothing."""
    [first] = _chart_events(db_session)
    assert (first.actor, first.after["file"]) == ("setup", DEFAULT_CHART.name)
    assert len(first.after["changes"]["user"]["created"]) == org_chart.created["user"]
    data = chart_data()
    unit_entry(data, "QLDL")["email"] = "qldl@langson.example"
    giamdoc = next(u for u in data["users"] if u["username"] == "giamdoc")
    giamdoc["roles"] = ["director@SVHTTDL"]
    giamdoc["position_title"] = "Giám đốc Sở"
    load_org_chart(db_session, write_chart(tmp_path, data), actor="quantri")
    load_org_chart(db_session, write_chart(tmp_path, data), actor="quantri")  # nothing changes: nothing recorded
    [_, second] = _chart_events(db_session)
    changes = second.after["changes"]
    assert second.actor == "quantri"
    assert changes["unit"] == {"updated": {"QLDL": {"email": [None, "qldl@langson.example"]}}}
    assert changes["user"] == {"updated": {"giamdoc": {"position_title": ["Giám đốc", "Giám đốc Sở"]}}}
    assert [item.split(": ")[0] for item in changes["role"]["removed"]] == ["giamdoc"]
    assert "role" not in changes or "created" not in changes["role"]


def _chart_events(session: Session) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.tag == "workflows:orgchart:loaded").order_by(AuditEvent.id)
    return list(session.scalars(query))


def test_reload_keeps_a_password_set_later(db_session: Session, org_chart: LoadSummary) -> None:
    user = db_session.scalars(select(User).where(User.username == "vanthu")).one()
    user.password_hash = "hash-set-by-the-admin"
    db_session.flush()
    assert not load_org_chart(db_session, DEFAULT_CHART).changed
    assert user.password_hash == "hash-set-by-the-admin"


@pytest.mark.parametrize(
    ("edit", "where", "problem"),
    [
        (lambda d: unit_entry(d, "PVHTT_VANLANG").update(parent_code="UBND_NOWHERE"),
         "units[22] (PVHTT_VANLANG) parent_code", "UBND_NOWHERE"),
        (lambda d: d["users"][0].update(unit_code="NO_SUCH_UNIT"), "users[0] (vanthu) unit_code", "NO_SUCH_UNIT"),
        (lambda d: d["users"][0].update(roles=["clerk@NOWHERE"]), "users[0] (vanthu) roles[0]", "NOWHERE"),
        (lambda d: d["users"][0].update(roles=["janitor@SVHTTDL"]), "users[0] (vanthu) roles[0]", "janitor"),
        (lambda d: d["users"][0].update(signs_as="KY THAY"), "users[0] (vanthu) signs_as", "KY THAY"),
        (lambda d: d["recipient_groups"][0]["selector"].update(parent="SO_KHAC"),
         "recipient_groups[0] (don_vi_truc_thuoc_so) selector.parent", "SO_KHAC"),
        (lambda d: d["settings"].update(office_unit="VP2"), "settings office_unit", "VP2"),
        (lambda d: unit_entry(d, "VP").update(kind="department"), "units[2] (VP) kind", "department"),
    ],
)  # fmt: skip
def test_bad_reference_is_refused_naming_the_row_and_field(
    db_session: Session,
    tmp_path: Path,
    edit: Callable[[dict[str, Any]], object],
    where: str,
    problem: str,
) -> None:
    data = chart_data()
    edit(data)
    with pytest.raises(OrgChartInvalid) as raised:
        load_org_chart(db_session, write_chart(tmp_path, data))
    assert [str(p) for p in raised.value.problems if str(p).startswith(where)], raised.value.problems
    assert problem in str(raised.value)
    # Validation runs before any write: nothing of the bad file reaches the database.
    assert row_counts(db_session)["org_unit"] == 0


def test_parent_cycle_is_refused(db_session: Session, tmp_path: Path) -> None:
    data = chart_data()
    unit_entry(data, "UBND_LS")["parent_code"] = "VP"
    with pytest.raises(OrgChartInvalid, match="cycle"):
        load_org_chart(db_session, write_chart(tmp_path, data))


def test_parent_listed_after_its_child_is_accepted(db_session: Session, tmp_path: Path) -> None:
    data = chart_data()
    data["units"].reverse()
    load_org_chart(db_session, write_chart(tmp_path, data))
    assert resolve_recipients(db_session, ["don_vi_truc_thuoc_so"], SEED_DAY) == PUBLIC_UNITS[::-1]


# --- recipient groups ---------------------------------------------------------------------------


def test_seed_groups_resolve_to_29_units_in_chart_order(db_session: Session, org_chart: LoadSummary) -> None:
    recipients = resolve_recipients(db_session, SEED_GROUPS, SEED_DAY)
    assert recipients == (PUBLIC_UNITS + [f"PVHTT_{d}" for d in DISTRICTS] + [f"TTVH_{d}" for d in DISTRICTS])
    assert len(recipients) == 29


def test_order_follows_groups_not_the_request(db_session: Session, org_chart: LoadSummary) -> None:
    forward = resolve_recipients(db_session, SEED_GROUPS, SEED_DAY)
    assert resolve_recipients(db_session, [*SEED_GROUPS[::-1], "phong_vhtt"], SEED_DAY) == forward
    assert addressee_lines(db_session, SEED_GROUPS[::-1]) == [
        "Các đơn vị trực thuộc Sở",
        "Phòng Văn hóa và Thông tin các huyện, thành phố",
        "Trung tâm Văn hóa - Thể thao thành phố; Trung tâm Văn hóa, Thể thao và Truyền thông các huyện",
    ]


def test_unit_dissolved_before_the_day_is_left_out(db_session: Session, tmp_path: Path) -> None:
    data = chart_data()
    unit_entry(data, "TTVH_DINHLAP")["valid_to"] = "2022-12-31"
    unit_entry(data, "TCVHNT")["valid_from"] = "2023-06-01"
    load_org_chart(db_session, write_chart(tmp_path, data))

    on_seed_day = resolve_recipients(db_session, SEED_GROUPS, SEED_DAY)
    assert len(on_seed_day) == 27
    assert "TTVH_DINHLAP" not in on_seed_day and "TCVHNT" not in on_seed_day
    # valid_to is the last day the unit exists.
    assert "TTVH_DINHLAP" in resolve_recipients(db_session, ["trung_tam_vhtt"], date(2022, 12, 31))


def test_unknown_group_is_named(db_session: Session, org_chart: LoadSummary) -> None:
    with pytest.raises(OrgChartError) as raised:
        resolve_recipients(db_session, ["phong_vhtt", "cac_xa"], SEED_DAY)
    assert "cac_xa" in raised.value.entry
    with pytest.raises(OrgChartError, match="cac_xa"):
        addressee_lines(db_session, ["cac_xa"])


# --- directory ----------------------------------------------------------------------------------


def test_may_act_only_in_the_unit_of_the_role(db_session: Session, org_chart: LoadSummary) -> None:
    directory = OrgDirectory(db_session)
    assert directory.may_act("cv.hvd", "specialist", "QLVHGD")
    assert not directory.may_act("cv.hvd", "specialist", "QLDL")
    assert not directory.may_act("cv.hvd", "division_head", "QLVHGD")
    assert directory.may_act("cb.pvhtt.trangdinh", "unit_officer", "PVHTT_TRANGDINH")
    assert not directory.may_act("cb.pvhtt.trangdinh", "unit_officer", "TTVH_TRANGDINH")
    assert not directory.may_act("nobody", "clerk", "SVHTTDL")


def test_deactivated_user_loses_every_right(db_session: Session, org_chart: LoadSummary) -> None:
    directory = OrgDirectory(db_session)
    user = directory.user("pgd.lan")
    assert user is not None
    user.active = False
    db_session.flush()
    assert not directory.may_act("pgd.lan", "leader", "SVHTTDL")
    assert directory.roles_of("pgd.lan") == set()
    assert directory.holders("leader", "SVHTTDL") == ["giamdoc", "pgd.hoa"]
    assert directory.colleagues("pgd.hoa") == ["giamdoc"]


def test_a_users_roles_are_read_once_and_follow_changes_in_the_same_transaction(
    db_session: Session, org_chart: LoadSummary
) -> None:
    """A command asks whether its actor reads only and whether they hold the task's role: one query.
    A role given, a user deactivated, or a savepoint rolled back later in the transaction is seen at once."""
    directory = OrgDirectory(db_session)
    db_session.flush()  # the chart's own rows written first
    sent: list[str] = []
    bind = db_session.get_bind()

    def record(*args: Any) -> None:
        sent.append(args[2])

    event.listen(bind, "before_cursor_execute", record)
    try:
        assert not directory.reads_only("cv.hvd")
        assert directory.may_act("cv.hvd", "specialist", "QLVHGD")
        assert not directory.administers("cv.hvd")
    finally:
        event.remove(bind, "before_cursor_execute", record)
    assert len(sent) == 1

    db_session.add(RoleAssignment(username="cv.hvd", role="admin", unit_code="SVHTTDL"))
    assert directory.administers("cv.hvd")
    with db_session.begin_nested() as savepoint:
        db_session.add(RoleAssignment(username="cv.hvd", role="specialist", unit_code="QLDL"))
        assert directory.may_act("cv.hvd", "specialist", "QLDL")
        savepoint.rollback()
    assert not directory.may_act("cv.hvd", "specialist", "QLDL")
    user = directory.user("cv.hvd")
    assert user is not None
    user.active = False
    assert not directory.may_act("cv.hvd", "specialist", "QLVHGD")
    assert directory.roles_of("cv.hvd") == set()


def test_roles_holders_and_colleagues(db_session: Session, org_chart: LoadSummary) -> None:
    directory = OrgDirectory(db_session)
    assert directory.roles_of("giamdoc") == {("director", "SVHTTDL"), ("leader", "SVHTTDL")}
    assert directory.holders("leader", "SVHTTDL") == ["giamdoc", "pgd.hoa", "pgd.lan"]
    assert directory.holders("clerk", "SVHTTDL") == ["vanthu"]
    assert directory.colleagues("cv.hvd") == ["cv.ntm"]
    assert directory.colleagues("tp.qlvhgd") == []
    for username in ("giamdoc", "cv.hvd", "cb.btls"):
        for role, unit_code in directory.roles_of(username):
            assert directory.may_act(username, role, unit_code)


def test_every_recipient_has_exactly_one_officer(db_session: Session, org_chart: LoadSummary) -> None:
    directory = OrgDirectory(db_session)
    for code in resolve_recipients(db_session, SEED_GROUPS, SEED_DAY):
        assert directory.holders("unit_officer", code) == ["cb." + code.lower().replace("_", ".")]


def test_user_and_unit_lookup(db_session: Session, org_chart: LoadSummary) -> None:
    directory = OrgDirectory(db_session)
    drafter = directory.user("cv.hvd")
    assert drafter is not None and drafter.initials == "HVĐ" and drafter.unit_code == "QLVHGD"
    signer = directory.user("pgd.hoa")
    assert signer is not None and (signer.full_name, signer.position_title) == (
        "Phan Văn Hòa",
        "Phó Giám đốc",
    )
    unit = directory.unit("QLVHGD")
    assert unit is not None and unit.display_code == "QLVH&GĐ"
    assert directory.user("nobody") is None
    assert directory.unit("NOWHERE") is None

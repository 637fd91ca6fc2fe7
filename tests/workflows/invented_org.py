"""An invented organisation, so that rules about who does what are shown without the reference chart's names.

Sở Nông nghiệp of the (invented) province of Tân Mỹ: one division fully staffed, one with a head
and no specialist, one with a specialist and no head; of its two subordinate units one has an
officer and one has none; the district's office has one. Build a runtime with :func:`invented_runtime`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.clock import ManualClock
from engine.db import Base
from engine.definitions import call_order
from engine.runtime import Engine
from tests.databases import isolated_engine
from web.core.composition import Runtime, build_services
from web.core.db import make_session_factory, unit_of_work
from web.core.settings import Settings
from workflows.orgchart.loader import load_org_chart

AGENCY = "SNN"
STAFFED, NO_SPECIALIST, NO_HEAD = "TRONGTROT", "THUYLOI", "CHANNUOI"
WITH_OFFICER, WITHOUT_OFFICER, DISTRICT_OFFICE = "TTKN", "CCTY", "PNN_DONGSON"
CLERK, DIRECTOR, DEPUTY = "vt.snn", "gd.snn", "pgd.snn"
HEAD, SPECIALIST, ADMIN = "tp.trongtrot", "cv.trongtrot", "qt.snn"
DISTRICT_OFFICER = "cb.pnn.dongson"
#: The district offices (all staffed) and the Sở's own units (one without an officer).
DISTRICT_OFFICES, SUBORDINATE_UNITS = "phong_nong_nghiep_huyen", "don_vi_thuoc_so"


def _unit(code: str, name: str, kind: str, parent: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "short_name": extra.pop("short_name", name),
        "notation": extra.pop("notation", code),
        "display_code": extra.pop("display_code", code),
        "kind": kind,
        "parent_code": parent,
        "email": None,
        "valid_from": "2020-01-01",
        "valid_to": None,
        **extra,
    }


def _user(username: str, full_name: str, initials: str, position: str, unit: str, *roles: str) -> dict[str, Any]:
    return {
        "username": username,
        "full_name": full_name,
        "initials": initials,
        "position_title": position,
        "unit_code": unit,
        "email": f"{username}@tanmy.example",
        "active": True,
        "roles": list(roles),
    }


CHART: dict[str, Any] = {
    "format": "directive-flow/org-chart",
    "version": 1,
    "notes": ["Tổ chức giả định để kiểm thử; tỉnh Tân Mỹ và mọi họ tên đều không có thật."],
    "settings": {
        "agency": AGENCY,
        "parent_body": "UBND_TM",
        "office_unit": "VPS",
        "format_check_required": False,
        "place_name": "Tân Mỹ",
        "website": "Cổng TTĐT Sở",
    },
    "unit_kinds": [
        {"code": kind, "name": name}
        for kind, name in (
            ("province", "Tỉnh"),
            ("agency", "Sở"),
            ("division", "Phòng thuộc Sở"),
            ("public_unit", "Đơn vị thuộc Sở"),
            ("district", "Huyện"),
            ("district_culture_office", "Phòng Nông nghiệp huyện"),
        )
    ],
    "roles": [
        {"code": role, "name": name}
        for role, name in (
            ("clerk", "Văn thư"),
            ("director", "Giám đốc"),
            ("leader", "Lãnh đạo Sở"),
            ("admin", "Quản trị"),
            ("division_head", "Trưởng phòng"),
            ("specialist", "Chuyên viên"),
            # Declared though no one holds it: its lane (the format check) is off in this Sở.
            ("office", "Văn phòng"),
            ("unit_officer", "Cán bộ đơn vị"),
        )
    ],
    "units": [
        _unit("UBND_TM", "Ủy ban nhân dân tỉnh Tân Mỹ", "province", None, header_name="UBND TỈNH TÂN MỸ"),
        _unit(
            AGENCY,
            "Sở Nông nghiệp tỉnh Tân Mỹ",
            "agency",
            "UBND_TM",
            short_name="Sở Nông nghiệp",
            header_name="SỞ NÔNG NGHIỆP",
        ),
        _unit("VPS", "Văn phòng Sở Nông nghiệp", "division", AGENCY, notation="VP"),
        _unit(STAFFED, "Phòng Trồng trọt", "division", AGENCY, notation="TT"),
        _unit(NO_SPECIALIST, "Phòng Thủy lợi", "division", AGENCY, notation="TL"),
        _unit(NO_HEAD, "Phòng Chăn nuôi", "division", AGENCY, notation="CN"),
        _unit(WITH_OFFICER, "Trung tâm Khuyến nông tỉnh Tân Mỹ", "public_unit", AGENCY),
        _unit(WITHOUT_OFFICER, "Chi cục Thú y tỉnh Tân Mỹ", "public_unit", AGENCY),
        _unit("UBND_DONGSON", "Ủy ban nhân dân huyện Đông Sơn", "district", "UBND_TM"),
        _unit(DISTRICT_OFFICE, "Phòng Nông nghiệp huyện Đông Sơn", "district_culture_office", "UBND_DONGSON"),
    ],
    "recipient_groups": [
        {
            "code": SUBORDINATE_UNITS,
            "name": "Các đơn vị thuộc Sở",
            "addressee_line": "Các đơn vị thuộc Sở",
            "selector": {"kind": "public_unit", "parent": AGENCY},
        },
        {
            "code": DISTRICT_OFFICES,
            "name": "Phòng Nông nghiệp các huyện",
            "addressee_line": "Phòng Nông nghiệp các huyện",
            "selector": {"kind": "district_culture_office", "parent_kind": "district"},
        },
    ],
    "users": [
        _user(CLERK, "Đào Thị Quyên", "ĐTQ", "Văn thư", "VPS", f"clerk@{AGENCY}"),
        _user(DIRECTOR, "Mạc Văn Tường", "MVT", "Giám đốc", AGENCY, f"director@{AGENCY}", f"leader@{AGENCY}"),
        _user(DEPUTY, "Kiều Thị Nhàn", "KTN", "Phó Giám đốc", AGENCY, f"leader@{AGENCY}"),
        _user(ADMIN, "Triệu Văn Bình", "TVB", "Chuyên viên công nghệ thông tin", "VPS", f"admin@{AGENCY}"),
        _user(HEAD, "Lò Văn Khải", "LVK", "Trưởng phòng", STAFFED, f"division_head@{STAFFED}"),
        _user(SPECIALIST, "Hà Thị Mơ", "HTM", "Chuyên viên", STAFFED, f"specialist@{STAFFED}"),
        _user("tp.thuyloi", "Vi Văn Đạt", "VVĐ", "Trưởng phòng", NO_SPECIALIST, f"division_head@{NO_SPECIALIST}"),
        _user("cv.channuoi", "Ma Thị Lụa", "MTL", "Chuyên viên", NO_HEAD, f"specialist@{NO_HEAD}"),
        _user("cb.ttkn", "Nông Văn Sáng", "NVS", "Viên chức", WITH_OFFICER, f"unit_officer@{WITH_OFFICER}"),
        _user(DISTRICT_OFFICER, "Lý Thị Hoa", "LTH", "Chuyên viên", DISTRICT_OFFICE, f"unit_officer@{DISTRICT_OFFICE}"),
    ],
}


@contextmanager
def invented_runtime(tmp_path: Path, clock: ManualClock, chart: dict[str, Any] = CHART) -> Iterator[Runtime]:
    """The product's runtime on a fresh database holding the invented chart and the processes."""
    path = tmp_path / "invented_chart.json"
    path.write_text(json.dumps(chart, ensure_ascii=False), encoding="utf-8")
    settings = Settings.from_env({}, instance_path=tmp_path, org_chart_file=path)
    with isolated_engine(tmp_path) as db:
        Base.metadata.create_all(db)
        runtime = Runtime(settings, db, make_session_factory(db), build_services(settings, clock))
        with unit_of_work(runtime.sessions) as session:
            load_org_chart(session, path)
            workflows = Engine(session, runtime.services)
            for bpmn in call_order(settings.bpmn_dir.glob("*.bpmn")):
                workflows.deploy(bpmn.read_bytes(), bpmn.name, ADMIN)
        yield runtime


LETTER = {
    "incoming_issuer": "Ủy ban nhân dân tỉnh Tân Mỹ",
    "incoming_number": "88/UBND-KT",
    "incoming_date": "2023-03-02",
    "incoming_subject": "Phòng, chống sinh vật gây hại cây trồng vụ Xuân năm 2023",
    "urgency": "thuong",
    "incoming_received_date": "2023-03-06",
}
INSTRUCTION = {
    "lead_division": STAFFED,
    "supporting_divisions": [],
    "signer": DEPUTY,
    "handling_deadline": "2023-03-10",
    "instruction": "Giao Phòng Trồng trọt chủ trì tham mưu văn bản triển khai.",
}


def draft(*groups: str) -> dict[str, Any]:
    """A short draft of the Sở's letter to the given recipient groups, reports due Friday 24/03/2023."""
    return {
        "draft_subject": LETTER["incoming_subject"],
        "draft_urgency": "thuong",
        "draft_basis": "Thực hiện Công văn số 88/UBND-KT ngày 02/3/2023 của Ủy ban nhân dân tỉnh.",
        "draft_intro": "Sở Nông nghiệp đề nghị các đơn vị thực hiện một số nội dung sau:",
        "draft_tasks": ["Theo dõi, dự báo sinh vật gây hại trên cây trồng.", "Báo cáo kết quả về Sở."],
        "draft_closing": "Đề nghị các đơn vị triển khai thực hiện.",
        "recipient_groups": list(groups),
        "report_deadline": "2023-03-24",
        "cc": [],
    }

"""`directive-flow seed --file`: an organisation of its own kinds and roles loads into a migrated database; a
broken file is refused with every problem by row and field, and the database keeps what it had."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from sqlalchemy import select

from tests.web.core.test_cli import Cli, cli, cli_database_url  # noqa: F401  (fixtures)
from tests.workflows import district_org as district
from tests.workflows.lifecycle_helpers import session_of
from web.core.composition import build_runtime
from web.core.settings import Settings
from workflows.orgchart.models import Role, Setting, Unit


def _agency_and_roles(env: dict[str, str]) -> tuple[str, set[str]]:
    runtime = build_runtime(Settings.from_env(env))
    try:
        with session_of(runtime) as session:
            agency = str(session.scalar(select(Setting.value).where(Setting.key == "agency")))
            return agency, set(session.scalars(select(Role.code)))
    finally:
        runtime.db.dispose()


def test_seed_loads_another_organisation_and_refuses_a_broken_one(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    assert cli("db", "upgrade").exit_code == 0
    result = cli("seed", "--file", str(district.CHART_FILE))
    assert result.exit_code == 0, result.output
    assert "'unit': 10, 'group': 2, 'user': 15, 'role': 16, 'setting': 6}" in result.output
    agency, roles = _agency_and_roles(cli.env)
    assert agency == district.AGENCY
    assert {"inspector", "unit_officer", "director"} <= roles

    broken = copy.deepcopy(district.CHART)
    broken["units"][0]["name"] = "Tên khác"
    broken["units"][4]["parent_code"] = "UBND_NOWHERE"
    broken["users"][3]["roles"] = ["division_head@PHONG_KHAC"]
    broken["recipient_groups"][1]["selector"]["kind"] = "university"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    refused = cli("seed", "--file", str(path))
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        "Error: the org chart has 3 problems:",
        "units[4] (XA_BINHAN) parent_code: unknown parent unit 'UBND_NOWHERE'",
        "recipient_groups[1] (truong_thcs) selector.kind: unknown unit kind 'university'",
        "users[3] (tp.nnmt) roles[0]: role division_head in unknown unit 'PHONG_KHAC'",
        "nothing was loaded",
    ]
    runtime = build_runtime(Settings.from_env(cli.env))
    try:
        with session_of(runtime) as session:
            # The sound edit in the same file (a new name) was not stored either.
            assert session.scalar(select(Unit.name).where(Unit.code == district.AGENCY)) == district.FULL_NAME
    finally:
        runtime.db.dispose()

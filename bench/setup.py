"""Databases for benchmarks: the product's runtime on a fresh SQLite file, optionally with extra units."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.clock import ManualClock
from engine.definitions import call_order
from engine.runtime import Engine
from web.core import migrate
from web.core.composition import Runtime, build_services
from web.core.db import make_engine, make_session_factory, unit_of_work
from web.core.settings import Settings
from workflows.orgchart.loader import load_org_chart

START = datetime(2023, 3, 6, 1, 0, tzinfo=UTC)


def chart_with_units(base: Path, extra: int) -> dict[str, Any]:
    """The demo org chart plus `extra` subordinate units of the Sở, each with one officer."""
    chart: dict[str, Any] = json.loads(base.read_text(encoding="utf-8"))
    for n in range(1, extra + 1):
        code = f"BENCH_{n:03d}"
        chart["units"].append(
            {
                "code": code,
                "name": f"Đơn vị thử tải {n}",
                "short_name": f"Đơn vị thử tải {n}",
                "notation": code,
                "display_code": code,
                "kind": "public_unit",
                "parent_code": "SVHTTDL",
                "email": None,
                "valid_from": "2020-01-01",
                "valid_to": None,
            }
        )
        chart["users"].append(
            {
                "username": f"cb.bench.{n:03d}",
                "full_name": f"Cán bộ thử tải {n}",
                "initials": "CB",
                "position_title": "Viên chức",
                "unit_code": code,
                "email": None,
                "active": True,
                "roles": [f"unit_officer@{code}"],
            }
        )
    return chart


@contextmanager
def bench_runtime(extra_units: int = 0) -> Iterator[tuple[Runtime, ManualClock]]:
    """A runtime on a fresh SQLite database with the processes deployed."""
    with tempfile.TemporaryDirectory(prefix="df-bench-") as folder:
        tmp = Path(folder)
        settings = Settings.from_env({}, instance_path=tmp)
        chart_file = tmp / "chart.json"
        chart_file.write_text(json.dumps(chart_with_units(settings.org_chart_file, extra_units)), encoding="utf-8")
        db = make_engine(f"sqlite:///{tmp / 'bench.sqlite'}")
        migrate.upgrade(db)
        clock = ManualClock(START)
        runtime = Runtime(settings, db, make_session_factory(db), build_services(settings, clock))
        with unit_of_work(runtime.sessions) as session:
            load_org_chart(session, chart_file)
            for path in call_order(settings.bpmn_dir.glob("*.bpmn")):
                Engine(session, runtime.services).deploy(path.read_bytes(), path.name, "quantri")
        try:
            yield runtime, clock
        finally:
            db.dispose()

"""`python -m bench.unit_import`: importing the largest file of units the import takes (issue 13).

5,000 new units (communes under the agency, each with an e-mail and dates) in a CSV and the same in
an XLSX. Timed side by side, interleaved: reading each file, the preview (every row checked against
the database), and applying it (5,000 inserts and the audit event, rolled back after each run so
that every run adds the same units). On a fresh SQLite database and, when the server answers, on
PostgreSQL (a database `bench_unit_import` of its own, its tables recreated each run). The preview
and the apply are what the administrator waits for on the preview and the confirmation pages.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from openpyxl import Workbook  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.db import Base
from web.core.db import make_engine, make_session_factory, unit_of_work
from workflows.orgchart.loader import load_org_chart
from workflows.orgchart.models import Setting
from workflows.orgchart.unit_import import apply_import, preview_import
from workflows.orgchart.unit_import_files import MAX_ROWS, read_table

from .measure import Timing, time_calls
from .setup import bench_runtime

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DATABASE = "bench_unit_import"
HEADER = ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Đơn vị cấp trên", "Thư điện tử", "Hiệu lực từ", "Hiệu lực đến"]
AT = datetime(2025, 1, 2, 2, 0, tzinfo=UTC)


def rows(agency: str) -> list[list[str]]:
    """The header and MAX_ROWS new units under `agency`."""
    units = [
        [f"XA_{n:05d}", f"Ủy ban nhân dân xã số {n}", "public_unit", agency, f"xa{n}@example.vn", "01/01/2025", ""]
        for n in range(MAX_ROWS)
    ]
    return [HEADER, *units]


def csv_file(table: list[list[str]]) -> bytes:
    """The rows as Excel writes a CSV UTF-8 with semicolons."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(table)
    return ("\ufeff" + out.getvalue()).encode()


def xlsx_file(table: list[list[str]]) -> bytes:
    """The rows in a workbook of one sheet."""
    book = Workbook()
    for row in table:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _calls(
    sessions: sessionmaker[Session], csv_data: bytes, xlsx_data: bytes, label: str
) -> dict[str, Callable[[], object]]:
    table = read_table("don_vi.csv", csv_data)

    def preview() -> None:
        with sessions() as session:
            assert preview_import(session, table).ok

    def apply() -> None:
        with sessions() as session:
            apply_import(session, table, actor="quantri", at=AT)
            session.rollback()

    return {
        f"{label} read CSV (5,000 rows)": lambda: read_table("don_vi.csv", csv_data),
        f"{label} read XLSX (5,000 rows)": lambda: read_table("don_vi.xlsx", xlsx_data),
        f"{label} preview (5,000 new units)": preview,
        f"{label} apply (5,000 new units)": apply,
    }


def _postgresql(chart: Path) -> sessionmaker[Session] | None:
    try:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                connection.execute(f"CREATE DATABASE {DATABASE}")
    except psycopg.OperationalError:
        return None
    engine = make_engine(f"{SERVER}/{DATABASE}")
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as session:
        load_org_chart(session, chart)
    return sessions


def main() -> None:
    """Print the median and p95 of each step on SQLite and PostgreSQL, interleaved."""
    parser = argparse.ArgumentParser(prog="python -m bench.unit_import")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with bench_runtime() as (runtime, _clock):
        with unit_of_work(runtime.sessions) as session:
            agency = str(session.scalars(select(Setting.value).where(Setting.key == "agency")).one())
        table = rows(agency)
        csv_data, xlsx_data = csv_file(table), xlsx_file(table)
        print(f"CSV {len(csv_data) / 1000:.0f} kB, XLSX {len(xlsx_data) / 1000:.0f} kB, {MAX_ROWS} rows")
        calls = _calls(runtime.sessions, csv_data, xlsx_data, "SQLite")
        pg = _postgresql(runtime.settings.org_chart_file)
        if pg is not None:
            calls |= {k: v for k, v in _calls(pg, csv_data, xlsx_data, "PostgreSQL").items() if "read" not in k}
        timings: dict[str, Timing] = time_calls(calls, args.runs, warmup=1)
    for timing in timings.values():
        print(timing.line())


if __name__ == "__main__":
    main()

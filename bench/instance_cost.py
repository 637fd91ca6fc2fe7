"""Issue 12: what one simple instance costs the engine's process, in figures no other work on the machine moves.

`python -m bench.instances` measures the rate, which on a shared machine moves with whatever else
runs. This bench counts instead, in one process on PostgreSQL (the chained database that bench
prepares): the SQL statements and the round trips to the server one instance (start, one user
task, end, two units of work) takes, and, where valgrind is installed, the CPU instructions the
process executes for it (callgrind's count of two runs, 5 and 45 instances after the same warm-up,
subtracted: start-up and warm-up cancel out).

    python -m bench.instance_cost
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import event

from engine.clock import ManualClock
from web.core.composition import build_services
from web.core.db import make_engine, make_session_factory
from web.core.settings import Settings
from workflows.orgchart.directory import OrgDirectory

from .instances import ROLE, START, UNIT, WARM_UP, _one_instance, database, prepare
from .scale_data import database_url

FEW, MANY = 5, 45


def run(count: int) -> dict[str, int]:
    """Warm up, then start and complete `count` instances; the statements and round trips of the last one."""
    db = make_engine(database_url(database("chain")))
    services = build_services(Settings.from_env({}, instance_path=Path()), ManualClock(START))
    sessions = make_session_factory(db)
    with sessions() as session:
        officer = OrgDirectory(session).holders(ROLE, UNIT)[0]
    for _ in range(WARM_UP + count - 1):
        _one_instance(sessions, services, officer)
    counts = {"statements": 0, "transactions": 0}

    def statement(*_args: Any) -> None:
        counts["statements"] += 1

    def transaction(*_args: Any) -> None:
        counts["transactions"] += 1

    event.listen(db, "before_cursor_execute", statement)
    event.listen(db, "commit", transaction)
    _one_instance(sessions, services, officer)
    db.dispose()
    # Each transaction adds two round trips to its statements: BEGIN, sent before the first one, and COMMIT.
    return counts | {"round_trips": counts["statements"] + 2 * counts["transactions"]}


def instructions(count: int) -> int:
    """The instructions a process running `count` instances executes, counted by callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        command += [sys.executable, "-m", "bench.instance_cost", "--run", str(count)]
        done = subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind reported no count: {done.stderr[-500:]}")
    return int(found.group(1))


def main() -> None:
    """Prepare the chained database, count one instance's statements and round trips, and its instructions."""
    parser = argparse.ArgumentParser(prog="python -m bench.instance_cost")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)  # the measured child process
    args = parser.parse_args()
    if args.run is not None:
        print(run(args.run))
        return
    prepare("chain")
    counts = run(1)
    print(
        f"one simple instance: {counts['statements']} SQL statements, {counts['round_trips']} round trips "
        f"to the server in {counts['transactions']} transactions"
    )
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: no instruction count")
        return
    per_instance = (instructions(MANY) - instructions(FEW)) / (MANY - FEW)
    print(f"the engine's process executes {per_instance / 1e6:.1f} million instructions an instance (callgrind)")


if __name__ == "__main__":
    main()

"""The supervisor of `directive-flow serve` and the job worker's loop, on real processes and a real dead database."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from engine.worker import WorkerReport, run_due_jobs
from tests.served import free_port, poll
from web.core.composition import build_services
from web.core.db import make_engine, make_session_factory
from web.core.job_worker import WorkerLoop
from web.core.settings import Settings

# A supervisor whose job worker dies at once, every time; the web server just waits to be stopped.
CRASH_LOOP = """
import sys
from web.core.supervise import Backoff, Supervisor, configure_logging
configure_logging()
web = [sys.executable, "-c", "import time; time.sleep(600)"]
worker = [sys.executable, "-c", "raise SystemExit(3)"]
sys.exit(Supervisor(web, worker, backoff=Backoff(first=0.2, cap=0.8), stop_timeout=5).run())
"""


def test_a_crashing_job_worker_is_restarted_ever_more_slowly(tmp_path: Path) -> None:
    """A worker that dies at once is started again after 0.2, 0.4, 0.8, 0.8 s…: a crash loop does not spin."""
    log_path = tmp_path / "supervisor.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-c", CRASH_LOOP], stdout=log, stderr=subprocess.STDOUT)
    try:
        delays = poll(
            lambda: (
                (found := re.findall(r"job worker exited with code 3; restarting in ([\d.]+) s", log_path.read_text()))
                and len(found) >= 5
                and found
            ),
            timeout=30,
            what=log_path.read_text,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    assert [float(x) for x in delays[:5]] == [0.2, 0.4, 0.8, 0.8, 0.8]
    assert code == 0, log_path.read_text()  # stopped on request, the web server with it
    assert "web server started pid" in log_path.read_text()


def test_the_job_worker_waits_for_a_database_it_cannot_reach(tmp_path: Path) -> None:
    """Every pass that cannot reach the database is logged and retried after a longer pause; the loop never ends."""
    settings = Settings.from_env({}, instance_path=tmp_path)
    # Nothing listens on this port: every connection is refused, as when the database is down.
    dead = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    sessions = make_session_factory(dead)
    services = build_services(settings)
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return len(waits) >= 7  # told to stop after the seventh pause

    reports: list[WorkerReport] = []
    try:
        WorkerLoop(lambda: run_due_jobs(sessions, services), reports.append, wait, retry_first=1, retry_cap=30).run()
    finally:
        dead.dispose()
    assert waits == [1, 2, 4, 8, 16, 30, 30]
    assert reports == []

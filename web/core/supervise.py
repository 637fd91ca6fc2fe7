"""`directive-flow serve`: the web server and the job worker side by side, the job worker kept alive.

Both run as child processes of this one, which only watches them. The job worker must not be a
child of gunicorn's master: that master reaps every child it has (`waitpid(-1)`), so the worker's
exit would go unnoticed. If the job worker dies it is started again, after a pause that grows
while it keeps dying soon after each start, so a crash loop does not spin. If the web server
stops, everything stops.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

log = logging.getLogger("directive_flow.serve")

LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s"


def configure_logging() -> None:
    """Log lines on stderr in the layout of gunicorn's own, so that one log reads as one."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S %z")


@dataclass(frozen=True)
class Backoff:
    """How long to wait before starting a job worker again."""

    first: float = 1.0
    cap: float = 60.0
    # A worker that ran this long was healthy: the next restart is quick again.
    healthy_after: float = 60.0

    def delay(self, quick_exits: int) -> float:
        """The pause after `quick_exits` exits in a row, each soon after its start."""
        return float(min(self.cap, self.first * 2 ** max(quick_exits - 1, 0)))


class Supervisor:
    """Runs the web server and the job worker; restarts the job worker whenever it exits."""

    def __init__(
        self,
        web_command: Sequence[str],
        worker_command: Sequence[str],
        *,
        backoff: Backoff | None = None,
        stop_timeout: float = 30.0,
    ) -> None:
        self.web_command = list(web_command)
        self.worker_command = list(worker_command)
        self.backoff = backoff or Backoff()
        self.stop_timeout = stop_timeout
        self._stop = threading.Event()
        self._web: subprocess.Popen[bytes] | None = None
        self._worker: subprocess.Popen[bytes] | None = None
        self._worker_started = 0.0
        self._quick_exits = 0
        self._restart_at: float | None = None

    def run(self) -> int:
        """Serve until told to stop (SIGTERM, SIGINT) or until the web server ends; its exit code."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop)
        signal.signal(signal.SIGHUP, self._forward_to_web)
        self._web = subprocess.Popen(self.web_command)  # noqa: S603  (our own command line, no user input)
        log.info("web server started pid %d", self._web.pid)
        self._start_worker()
        try:
            while not self._stop.is_set():
                code = self._web.poll()
                if code is not None:
                    log.error("web server exited with code %d; stopping", code)
                    return code
                self._watch_worker()
                self._stop.wait(0.2)
            return 0
        finally:
            self._shutdown()

    def _start_worker(self) -> None:
        self._worker = subprocess.Popen(self.worker_command)  # noqa: S603  (our own command line, no user input)
        self._worker_started = time.monotonic()
        self._restart_at = None
        log.info("job worker started pid %d", self._worker.pid)

    def _watch_worker(self) -> None:
        if self._worker is None:
            if self._restart_at is not None and time.monotonic() >= self._restart_at:
                self._start_worker()
            return
        code = self._worker.poll()
        if code is None:
            return
        ran = time.monotonic() - self._worker_started
        self._quick_exits = 0 if ran >= self.backoff.healthy_after else self._quick_exits + 1
        delay = self.backoff.delay(self._quick_exits)
        log.warning("job worker exited with code %d; restarting in %.1f s", code, delay)
        self._worker = None
        self._restart_at = time.monotonic() + delay

    def _on_stop(self, _signum: int, _frame: FrameType | None) -> None:
        self._stop.set()

    def _forward_to_web(self, signum: int, _frame: FrameType | None) -> None:
        # SIGHUP reloads gunicorn's workers (new code, new configuration).
        if self._web is not None and self._web.poll() is None:
            self._web.send_signal(signum)

    def _shutdown(self) -> None:
        running = [p for p in (self._web, self._worker) if p is not None and p.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + self.stop_timeout
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

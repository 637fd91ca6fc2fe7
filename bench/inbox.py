"""`python -m bench.inbox`: Việc cần xử lý with 10,000 open cases, served by gunicorn (issue 3).

Target: a unit officer's inbox renders in under 100 ms at the 95th percentile. The database is made
by `bench.populate`; gunicorn (2 sync workers, our factory) serves it on a free loopback port; a
client signs in through the real /login form (CSRF token included) and asks for the inbox
sequentially, timing each request on the client (connect, render, transfer). The variants — the
default order, the overdue filter, a text search, page 2 — are interleaved so that the machine's
noise hits them alike. A specialist of the Sở with a couple of thousand pending steps is measured
the same way, for comparison; the target is the unit officer's. The job worker that `directive-flow
serve` runs beside gunicorn is left out: it would fire the older clones' past-due reminders while
we measure.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

from web.accounts.users import DEMO_PASSWORD

from .populate import populate
from .setup import bench_runtime

TARGET_P95 = 0.100
UNIT_OFFICER, SPECIALIST = "cb.btls", "cv.hvd"
VARIANTS = {
    "default": "/",
    "overdue": "/?due=overdue",
    "search 'tham nhung'": "/?q=tham+nhung",
    "page 2": "/?page=2",
}
COUNT = re.compile(r'class="count">\((\d+)\)')


def free_port() -> int:
    """A TCP port nobody listens on now (on the loopback interface)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(database: Path, folder: Path, workers: int) -> Iterator[str]:
    """Our application under gunicorn on a free loopback port; yields its base URL, stops it after."""
    port = free_port()
    env = os.environ | {
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{database}",
        "PORT": str(port),
        # Plain HTTP on the loopback interface: the browser rule for Secure cookies does not apply
        # to this client.
        "COOKIE_SECURE": "false",
        # Set here, as a deployment would: workers started together must not each invent one.
        "SECRET_KEY": secrets.token_hex(32),
    }
    log = folder / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    with log.open("wb") as output:
        server = subprocess.Popen([*command, "web:create_app()"], env=env, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, server, log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _wait_until_healthy(base: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        # Refused, reset or timed out while the workers start (URLError is an OSError too).
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s:\n{log.read_text(errors='replace')}")


class Browser:
    """A client that keeps its session cookie, like a browser tab."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        """The page at `path` (after redirects) and the URL it ended at."""
        with self.opener.open(self.base + path, timeout=30) as response:
            return str(response.read().decode("utf-8")), str(response.url)

    def sign_in(self, username: str, password: str) -> str:
        """Sign in through the form, as a person would; returns the page it lands on."""
        form, _url = self.get("/login")
        tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', form)
        token = re.search(r'value="([^"]*)"', tag.group()) if tag else None
        assert token is not None, "no CSRF token on the sign-in form"
        fields = {"username": username, "password": password, "csrf_token": html.unescape(token.group(1))}
        with self.opener.open(self.base + "/login", urllib.parse.urlencode(fields).encode(), timeout=30) as response:
            url = str(response.url)
            page = str(response.read().decode("utf-8"))
        if urllib.parse.urlsplit(url).path != "/":
            raise RuntimeError(f"signing in as {username} ended at {url}")
        return page


@dataclass(frozen=True)
class Figures:
    """Client-side seconds per request for one page of one user, and the count the page shows."""

    user: str
    variant: str
    shown: int | None
    seconds: list[float]

    def percentile(self, p: int) -> float:
        """The p-th percentile, in seconds."""
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[p - 1]

    def line(self) -> str:
        """One line of the report."""
        p95 = self.percentile(95)
        ms = {p: self.percentile(p) * 1000 for p in (50, 95, 99)}
        return (
            f"{self.user:8} {self.variant:20} {self.shown if self.shown is not None else '?':>5} tasks  "
            f"p50 {ms[50]:6.1f}  p95 {ms[95]:6.1f}  p99 {ms[99]:6.1f}  max {max(self.seconds) * 1000:6.1f} ms  "
            f"(n={len(self.seconds)}); p95 < {TARGET_P95 * 1000:.0f} ms: {'OK' if p95 < TARGET_P95 else 'MISSED'}"
        )


def measure(base: str, user: str, requests: int, warmup: int) -> list[Figures]:
    """Sign in as `user`, warm up, then time every variant `requests` times, interleaved."""
    browser = Browser(base)
    browser.sign_in(user, DEMO_PASSWORD)
    shown: dict[str, int | None] = {}
    for name, path in VARIANTS.items():
        for _ in range(warmup):
            browser.get(path)
        found = COUNT.search(browser.get(path)[0])
        shown[name] = int(found.group(1)) if found else None
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(requests):
        for name, path in VARIANTS.items():
            started = time.perf_counter()
            _page, url = browser.get(path)
            times[name].append(time.perf_counter() - started)
            if urllib.parse.urlsplit(url).path != "/":
                raise RuntimeError(f"{user} was sent to {url} instead of the inbox")
    return [Figures(user, name, shown[name], times[name]) for name in VARIANTS]


def main() -> None:
    """Populate (or reuse) a database, serve it with gunicorn, print the figures and the target."""
    parser = argparse.ArgumentParser(prog="python -m bench.inbox")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page and user")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", type=Path, help="serve a copy of this populated database instead")
    args = parser.parse_args()

    with bench_runtime() as (runtime, clock):
        database = Path(str(runtime.db.url.database))
        if args.database:
            runtime.db.dispose()
            shutil.copyfile(args.database, database)
            print(f"serving a copy of {args.database}")
        else:
            population = populate(runtime, clock, args.cases)
            print(
                f"populated {population.cases} open cases ({population.instances} instances, "
                f"{population.ready_tasks} ready tasks, {population.database_bytes / 2**20:.0f} MiB) in "
                f"{population.engine_seconds + population.clone_seconds:.1f} s"
            )
        runtime.db.dispose()
        with (
            tempfile.TemporaryDirectory(prefix="df-bench-serve-") as folder,
            gunicorn(database, Path(folder), args.workers) as base,
        ):
            print(f"gunicorn, {args.workers} workers, at {base}")
            figures = [
                f for user in (UNIT_OFFICER, SPECIALIST) for f in measure(base, user, args.requests, args.warmup)
            ]
    for item in figures:
        print(item.line())
    headline = next(f for f in figures if f.user == UNIT_OFFICER and f.variant == "default")
    print(
        f"target (issue 3): a unit officer's inbox p95 {headline.percentile(95) * 1000:.1f} ms < "
        f"{TARGET_P95 * 1000:.0f} ms: {'OK' if headline.percentile(95) < TARGET_P95 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()

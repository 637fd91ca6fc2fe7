"""Timing helpers the benches share: our application under gunicorn on any database, pages timed for a
signed-in user, and percentiles of what was timed.

`served` starts gunicorn (our factory, like `directive-flow web`) on a free loopback port against a
database URL; `time_urls` signs a user in through the real form and times a list of URLs,
interleaved so that the machine's noise hits them alike (`time_pages` does so for several users
at once); `time_calls` does the same for plain functions (a query, a worker's pass). Page timings
are client-side: connect, render, transfer.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

from web.accounts.users import DEMO_PASSWORD


def free_port() -> int:
    """A TCP port nobody listens on now (on the loopback interface)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
class Timing:
    """Seconds measured for one thing, and its percentiles in milliseconds."""

    name: str
    seconds: list[float]

    def ms(self, p: int) -> float:
        """The p-th percentile in milliseconds (p = 50 is the median)."""
        if len(self.seconds) == 1:
            return self.seconds[0] * 1000
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[p - 1] * 1000

    def line(self, goal_ms: float | None = None) -> str:
        """Median, p95 and max, and the p95 against a goal when there is one."""
        text = (
            f"{self.name:36} median {self.ms(50):7.1f} ms  p95 {self.ms(95):7.1f} ms  "
            f"max {max(self.seconds) * 1000:7.1f} ms  (n={len(self.seconds)})"
        )
        if goal_ms is not None:
            ratio = self.ms(95) / goal_ms
            text += f"; p95/goal {ratio:.2f} (goal ≤ {goal_ms:.0f} ms): {'OK' if ratio <= 1 else 'MISSED'}"
        return text


@contextmanager
def served(database_url: str, workers: int = 2) -> Iterator[str]:
    """Our application under gunicorn against `database_url`; yields its base URL, stops it after."""
    with tempfile.TemporaryDirectory(prefix="df-bench-serve-") as folder:
        port = free_port()
        env = os.environ | {
            "INSTANCE_PATH": folder,
            "DATABASE_URL": database_url,
            "PORT": str(port),
            # Plain HTTP on the loopback interface: the browser rule for Secure cookies does not apply.
            "COOKIE_SECURE": "false",
            # Set here, as a deployment would: workers started together must not each invent one.
            "SECRET_KEY": secrets.token_hex(32),
        }
        log = Path(folder) / "gunicorn.log"
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


def signed_in(base: str, username: str, password: str = DEMO_PASSWORD) -> Browser:
    """A browser signed in as `username` through the sign-in form."""
    browser = Browser(base)
    browser.sign_in(username, password)
    return browser


def time_pages(
    browsers: Mapping[str, Browser], paths: Sequence[str], requests: int, warmup: int = 10
) -> dict[tuple[str, str], Timing]:
    """Time every path for every signed-in browser `requests` times, interleaved; keyed (browser, path).

    A page that lands anywhere else (the sign-in form, an error) stops the run: it would time the wrong page.
    """
    times: dict[tuple[str, str], list[float]] = {(name, path): [] for name in browsers for path in paths}
    for round_ in range(warmup + requests):
        for (name, path), seconds in times.items():
            started = time.perf_counter()
            _page, url = browsers[name].get(path)
            elapsed = time.perf_counter() - started
            if urllib.parse.urlsplit(url).path != urllib.parse.urlsplit(path).path:
                raise RuntimeError(f"{path} for {name} ended at {url}")
            if round_ >= warmup:
                seconds.append(elapsed)
    return {key: Timing(f"{key[0]} {key[1]}", seconds) for key, seconds in times.items()}


def time_urls(base: str, username: str, paths: Sequence[str], requests: int, warmup: int = 10) -> dict[str, Timing]:
    """Sign `username` in at `base` and time each of `paths` `requests` times, interleaved; keyed by path."""
    timed = time_pages({username: signed_in(base, username)}, paths, requests, warmup)
    return {path: timing for (_, path), timing in timed.items()}


def time_calls(calls: Mapping[str, Callable[[], object]], repeats: int, warmup: int = 5) -> dict[str, Timing]:
    """Time every call `repeats` times, interleaved, after `warmup` untimed rounds."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_ in range(warmup + repeats):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            elapsed = time.perf_counter() - started
            if round_ >= warmup:
                times[name].append(elapsed)
    return {name: Timing(name, seconds) for name, seconds in times.items()}

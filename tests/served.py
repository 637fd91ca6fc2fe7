"""`directive-flow serve` as users run it, for tests that need the real processes.

A fresh database (an SQLite file, or a fresh PostgreSQL schema when TEST_DATABASE_URL names
PostgreSQL), `directive-flow setup --demo-passwords` run on it, then `directive-flow serve` started
as a subprocess on a free port: gunicorn with two web workers and the job worker beside it, each
its own process, exactly as `make run` starts them. Tests talk to it over HTTP with `WebClient`
(sign-in through the real form, CSRF tokens read from the pages, cookies kept as a browser keeps
them on http://127.0.0.1) and may read the served database directly to find ids and check state.

Use the fixture `served` from a conftest (`from tests.served import served`); `start_server` and
`served_database` build other arrangements (another database URL, e.g. through a proxy). The
server's process group is stopped at the end of the test and its log printed, which pytest shows
when the test failed.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from tests.databases import postgresql_schema, postgresql_url
from tests.web.conftest import csrf_token
from tests.web.task_helpers import fill, form_values
from web import create_app, runtime_of
from web.accounts.users import DEMO_PASSWORD
from web.core.cli import main
from web.core.db import READ_ONLY, make_engine

T = TypeVar("T")

# Generous for a loaded CI machine; a server that cannot start still fails within a minute.
START_SECONDS = 60.0
REQUEST_SECONDS = 30.0
# The job worker of a served test polls often, so that a test waits for it seconds, not minutes.
WORKER_INTERVAL = 0.5

Fields = Mapping[str, Any] | MultiDict[str, str] | Iterable[tuple[str, str]]


def command() -> list[str]:
    """The installed `directive-flow` command (its module when the script is not installed)."""
    script = Path(sys.executable).parent / "directive-flow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "web.core.cli"]


def poll(condition: Callable[[], T | None], *, timeout: float, what: Callable[[], str], every: float = 0.2) -> T:
    """Ask `condition` until it answers something true or `timeout` seconds pass, then fail saying `what`.

    Only for waiting on another process (the server, its job worker): nothing in this one can make
    it go faster.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout:.0f} s in vain: {what()}")
        time.sleep(every)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pairs(fields: Fields) -> list[tuple[str, str]]:
    if isinstance(fields, MultiDict):
        return [(str(k), str(v)) for k, v in fields.items(multi=True)]
    if isinstance(fields, Mapping):
        pairs: list[tuple[str, str]] = []
        for name, value in fields.items():
            values = value if isinstance(value, list | tuple) else [value]
            pairs.extend((str(name), str(v)) for v in values)
        return pairs
    return [(str(k), str(v)) for k, v in fields]


@dataclass(frozen=True)
class Reply:
    """One HTTP response, read whole."""

    status: int
    headers: Message
    text: str

    @property
    def location(self) -> str | None:
        """Where a redirect points, as a path of this site when it is one."""
        target = self.headers.get("Location")
        if target is None:
            return None
        parts = urlsplit(target)
        return parts.path + (f"?{parts.query}" if parts.query else "") if parts.netloc else target


@dataclass
class WebClient:
    """A plain HTTP client that keeps its cookies, as one browser of one person."""

    base_url: str
    username: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> Reply:
        """Send one request; redirects are not followed (the test looks at them)."""
        parts = urlsplit(self.base_url)
        headers = {"User-Agent": "directive-flow tests", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=REQUEST_SECONDS)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        self._keep(response.headers.get_all("Set-Cookie") or [])
        return Reply(response.status, response.headers, content)

    def _keep(self, set_cookies: list[str]) -> None:
        # Browsers keep Secure cookies from http://127.0.0.1 too, so every cookie is kept.
        for header in set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str) -> Reply:
        """GET a page."""
        return self.request("GET", path)

    def post(self, path: str, fields: Fields) -> Reply:
        """POST form fields exactly as given (a test adds the CSRF token itself, or leaves it out)."""
        body = urlencode(_pairs(fields)).encode()
        return self.request("POST", path, body, "application/x-www-form-urlencoded")

    def post_form(self, path: str, fields: Fields, *, page: str | None = None) -> Reply:
        """POST `fields` with the CSRF token of the form on `page` (default: `path`), as a browser sends it."""
        opened = self.get(page or path)
        assert opened.status == 200, f"GET {page or path}: {opened.status}\n{opened.text[:2000]}"
        return self.post(path, [*_pairs(fields), ("csrf_token", csrf_token(opened.text))])

    def submit(
        self,
        path: str,
        changes: Mapping[str, Any] | None = None,
        *,
        form_id: str = "task-form",
        action: str | None = None,
    ) -> Reply:
        """Open the page at `path`, change some fields of its form as a person types, and send it."""
        opened = self.get(path)
        assert opened.status == 200, f"GET {path}: {opened.status}\n{opened.text[:2000]}"
        values = fill(form_values(opened.text, form_id), changes or {})
        return self.post(action or path, values)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> Reply:
        """Sign in through the sign-in form."""
        reply = self.post_form("/login", {"username": username, "password": password})
        if reply.status == 302:
            self.username = username
        return reply


@dataclass
class ServedApp:
    """The application served by `directive-flow serve` in its own process group."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str]
    db: Engine  # the served database, for a test to read what it cannot see through pages

    def anonymous(self) -> WebClient:
        """A browser that has not signed in."""
        return WebClient(self.url)

    def client(self, username: str, password: str = DEMO_PASSWORD) -> WebClient:
        """A browser of its own, signed in as `username` through the sign-in form."""
        browser = WebClient(self.url)
        reply = browser.sign_in(username, password)
        assert reply.status == 302, f"sign-in as {username}: {reply.status}\n{reply.text[:2000]}\n{self.log()}"
        return browser

    def log(self) -> str:
        """What the server and its job worker wrote so far."""
        return self.log_path.read_text(errors="replace")

    def job_worker_pids(self) -> list[int]:
        """The job workers the server started, oldest first (from its log)."""
        return [int(pid) for pid in re.findall(r"job worker started pid (\d+)", self.log())]

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session on the served database (it takes no write lock on SQLite)."""
        # Closing (not rolling back) ends the transaction and leaves what was read loaded.
        with Session(self.db) as session:
            session.connection(execution_options={READ_ONLY: True})
            yield session

    def wait_until(self, condition: Callable[[], T | None], *, timeout: float, what: Callable[[], str]) -> T:
        """Poll `condition` while the server runs; fail with `what` and the server's log otherwise."""

        def checked() -> T | None:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with code {self.process.returncode}\n{self.log()}")
            return condition()

        return poll(checked, timeout=timeout, what=lambda: f"{what()}\n--- server log ---\n{self.log()}")


def _environment(tmp_path: Path, database: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "PGOPTIONS", "PORT")}
    env.update(database)
    env["INSTANCE_PATH"] = str(tmp_path / "instance")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_setup(tmp_path: Path, database: Mapping[str, str]) -> None:
    """`directive-flow setup --demo-passwords` on the database described by `database` (environment).

    The command runs in this process (click's runner, with that environment): the same command as
    in a shell, without paying for a second interpreter's imports.
    """
    apps: list[Flask] = []

    def factory() -> Flask:
        apps.append(create_app())
        return apps[-1]

    env: dict[str, str | None] = {"PGOPTIONS": None, **database, "INSTANCE_PATH": str(tmp_path / "instance")}
    try:
        result = CliRunner().invoke(main, ["setup", "--demo-passwords"], env=env, obj=ScriptInfo(create_app=factory))
    finally:
        for app in apps:
            runtime_of(app).db.dispose()
    assert result.exit_code == 0, f"setup failed: {result.output}\n{result.exception!r}"


@contextmanager
def served_database(tmp_path: Path, *, postgresql: bool | None = None) -> Iterator[tuple[dict[str, str], Engine]]:
    """A fresh database: the environment that points the commands at it, and an engine to read it.

    PostgreSQL when TEST_DATABASE_URL names it (or `postgresql` says so), an SQLite file otherwise.
    """
    if postgresql is None:
        postgresql = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
    if not postgresql:
        url = f"sqlite:///{tmp_path / 'served.sqlite'}"
        engine = make_engine(url)
        try:
            yield {"DATABASE_URL": url}, engine
        finally:
            engine.dispose()
        return
    base = postgresql_url()
    with postgresql_schema(base) as engine:
        with engine.connect() as connection:
            schema = str(connection.scalar(text("SELECT current_schema()")))
        # libpq reads PGOPTIONS: the server's connections work in the fresh schema while DATABASE_URL
        # stays what an administrator writes.
        yield {"DATABASE_URL": base, "PGOPTIONS": f"-csearch_path={schema}"}, engine


@contextmanager
def start_server(
    tmp_path: Path,
    database: Mapping[str, str],
    db: Engine,
    *,
    workers: int = 2,
    worker_interval: float = WORKER_INTERVAL,
) -> Iterator[ServedApp]:
    """`directive-flow serve` on a free port until the block ends; its log printed at the end."""
    env = _environment(tmp_path, database)
    port = free_port()
    env["PORT"] = str(port)
    log_path = tmp_path / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command(), "serve", "--workers", str(workers), "--worker-interval", str(worker_interval)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    app = ServedApp(f"http://127.0.0.1:{port}", process, log_path, env, db)
    try:
        app.wait_until(lambda: _healthy(app), timeout=START_SECONDS, what=lambda: "/healthz never answered 200")
        yield app
    finally:
        stop(process)
        print(f"--- log of directive-flow serve on port {port} ---\n{app.log()}")


def _healthy(app: ServedApp) -> bool:
    try:
        return app.anonymous().get("/healthz").status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group: politely, then for good."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    # Whatever of the group is left (the supervisor past its grace, a lingering worker) goes now.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedApp]:
    """`directive-flow serve` with two web workers and its job worker, on a fresh, set-up database."""
    with served_database(tmp_path) as (database, db):
        run_setup(tmp_path, database)
        with start_server(tmp_path, database, db) as app:
            yield app

"""Fixtures of the browser tests: the application served on a free port, Chromium, officers, screenshots.

The server runs on the test's own `runtime` (a fresh database, the ManualClock of the reference case),
so a test can move the clock and run due jobs between two clicks exactly as time passes for users.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright
from werkzeug.serving import make_server

from engine.clock import ManualClock
from engine.worker import run_due_jobs
from web import create_app
from web.accounts.users import DEMO_PASSWORD, give_demo_passwords
from web.core.composition import Runtime, engine_transactions
from web.core.db import unit_of_work
from web.core.settings import PROJECT_ROOT
from workflows.directive.rehearsal import Rehearsal

CHROMIUM = Path("/usr/bin/chromium")
# Quiet, headless, and allowed to run as root inside a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
INSTALL_HINT = "Chromium not found: install it with `apt-get install chromium` (Debian) to run the browser tests"
SCREENSHOTS = PROJECT_ROOT / "test-output" / "e2e"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
# Generous for a loaded CI machine; a broken page still fails within seconds, never hangs.
TIMEOUT_MS = 15_000

REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
SHOT_FOLDERS = pytest.StashKey[list[Path]]()


def require_chromium(path: Path, environ: Mapping[str, str]) -> None:
    """Skip when Chromium is missing, saying how to install it; under CI=true that is a failure."""
    if path.exists():
        return
    if environ.get("CI") == "true":
        pytest.fail(f"{INSTALL_HINT} (CI=true: the browser tests must run)")
    pytest.skip(INSTALL_HINT)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright; one for the whole session."""
    require_chromium(CHROMIUM, os.environ)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass(frozen=True)
class LiveServer:
    """The application served over HTTP on 127.0.0.1 for the duration of one test."""

    url: str
    runtime: Runtime


@pytest.fixture
def live_server(runtime: Runtime) -> Iterator[LiveServer]:
    """The application on the test's runtime, served by werkzeug in a background thread."""
    with unit_of_work(runtime.sessions) as session:
        give_demo_passwords(session)
    # The session cookie keeps its Secure flag: Chromium stores Secure cookies from http://127.0.0.1.
    app = create_app(runtime=runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", runtime)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def rehearsal(live_server: LiveServer, clock: ManualClock) -> Rehearsal:
    """Steps done through the engine's API on the served database and clock, for what a test does not click."""
    runtime = live_server.runtime
    return Rehearsal(engine_transactions(runtime), clock, lambda: run_due_jobs(runtime.sessions, runtime.services))


@dataclass
class Screenshots:
    """Full-page screenshots of one test, numbered in the order taken: NN-<step>.png."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Page, step: str) -> Path:
        """Save what the page shows now."""
        path = self.folder / f"{len(self.taken) + 1:02d}-{_slug(step)}.png"
        page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "step"


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[Screenshots]:
    """A fresh folder test-output/e2e/<test name>/ for the test's screenshots."""
    folder = SCREENSHOTS / _slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    request.config.stash.setdefault(SHOT_FOLDERS, []).append(folder)
    screenshots = Screenshots(folder)
    yield screenshots
    print(f"screenshots: {folder.relative_to(PROJECT_ROOT)} ({len(screenshots.taken)} files)")


class Officers:
    """One browser context per officer, each signed in through the sign-in form."""

    def __init__(self, browser: Browser, base_url: str, *, phone: bool = False) -> None:
        self.browser = browser
        self.base_url = base_url
        self.phone = phone
        self.pages: dict[str, Page] = {}

    def page_of(self, username: str) -> Page:
        """The officer's browser tab, signed in on first use."""
        if username not in self.pages:
            page = self.signed_out(username)
            sign_in(page, username)
        return self.pages[username]

    def signed_out(self, name: str) -> Page:
        """A new browser tab, in a context of its own, that has not signed in yet."""
        if name not in self.pages:
            context = self.browser.new_context(
                base_url=self.base_url,
                locale="vi-VN",
                timezone_id="Asia/Ho_Chi_Minh",
                viewport=PHONE if self.phone else DESKTOP,
                # A phone honours the page's <meta name="viewport"> and is touched, not clicked.
                is_mobile=self.phone,
                has_touch=self.phone,
            )
            context.set_default_timeout(TIMEOUT_MS)
            self.pages[name] = context.new_page()
        return self.pages[name]

    def close(self, failure_shots: Screenshots | None = None) -> None:
        """Close every context; after a failure, first keep a picture of each officer's tab."""
        for username, page in self.pages.items():
            if failure_shots is not None and not page.is_closed():
                failure_shots.take(page, f"failure-{username}")
            page.context.close()
        self.pages.clear()


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form and land on Việc cần xử lý."""
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Việc cần xử lý")


@contextmanager
def _team(request: pytest.FixtureRequest, team: Officers, shots: Screenshots) -> Iterator[Officers]:
    try:
        yield team
    finally:
        call = request.node.stash.get(REPORTS, {}).get("call")
        team.close(shots if call is None or call.failed else None)


@pytest.fixture
def officers(
    request: pytest.FixtureRequest, chromium: Browser, live_server: LiveServer, shots: Screenshots
) -> Iterator[Officers]:
    """Officers of the reference case on a desktop screen, each in their own browser context."""
    with _team(request, Officers(chromium, live_server.url), shots) as team:
        yield team


@pytest.fixture
def phone_officers(
    request: pytest.FixtureRequest, chromium: Browser, live_server: LiveServer, shots: Screenshots
) -> Iterator[Officers]:
    """Officers on a phone-sized screen (390×844, touch), each in their own browser context."""
    with _team(request, Officers(chromium, live_server.url, phone=True), shots) as team:
        yield team


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report so that fixtures can tell whether the test failed."""
    report: pytest.TestReport = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Say where the browser tests left their screenshots."""
    folders = config.stash.get(SHOT_FOLDERS, [])
    if folders:
        terminalreporter.write_line(
            f"e2e screenshots: {len(folders)} folder(s) under {SCREENSHOTS.relative_to(PROJECT_ROOT)}/"
        )

"""The sign-in throttle: by account and address within a window, exact under parallel attempts, and no
stranger can keep an officer out of their own account."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.clock import ManualClock
from tests.web.conftest import csrf_token
from web.accounts.users import DEMO_PASSWORD
from web.core.composition import Runtime
from web.core.db import unit_of_work
from web.core.models import LoginAttempt

OFFICE = "10.0.0.5"
TOO_MANY = "Đăng nhập sai quá nhiều lần."


def _client(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "REMOTE_ADDR": address})
    return client


def _sign_in(app: Flask, address: str, username: str, password: str) -> tuple[int, str, dict[str, str]]:
    """One attempt from a fresh browser at `address`: status, page and headers."""
    client = _client(app, address)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True), dict(response.headers)


def _attempts(runtime: Runtime, username: str) -> int:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(func.count()).where(LoginAttempt.username == username)) or 0


def test_the_refusal_says_when_to_try_again(app: Flask, clock: ManualClock) -> None:
    """Five guesses a minute apart: the sixth, four minutes after the first, waits the eleven minutes left."""
    for _ in range(5):
        assert _sign_in(app, OFFICE, "giamdoc", "doan-mo")[0] == 401
        clock.advance(timedelta(minutes=1))
    status, page, headers = _sign_in(app, OFFICE, "giamdoc", DEMO_PASSWORD)
    assert status == 429
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 10 phút." in page
    assert headers["Retry-After"] == str(10 * 60)
    clock.advance(timedelta(minutes=10))
    assert _sign_in(app, OFFICE, "giamdoc", DEMO_PASSWORD)[0] == 302


def test_refused_attempts_do_not_make_the_wait_longer(app: Flask, clock: ManualClock) -> None:
    """Trying again every minute while refused does not push the end of the wait further away."""
    for _ in range(5):
        _sign_in(app, OFFICE, "giamdoc", "doan-mo")
    for _ in range(14):
        clock.advance(timedelta(minutes=1))
        assert _sign_in(app, OFFICE, "giamdoc", "doan-mo")[0] == 429
    clock.advance(timedelta(minutes=1))
    assert _sign_in(app, OFFICE, "giamdoc", DEMO_PASSWORD)[0] == 302


def test_guesses_from_one_address_do_not_lock_the_account_elsewhere(app: Flask) -> None:
    """A stranger who guessed five times waits; the director at her own desk signs in as usual."""
    for _ in range(5):
        assert _sign_in(app, "203.0.113.9", "giamdoc", "doan-mo")[0] == 401
    assert _sign_in(app, "203.0.113.9", "giamdoc", DEMO_PASSWORD)[0] == 429
    assert _sign_in(app, OFFICE, "giamdoc", DEMO_PASSWORD)[0] == 302


def test_strangers_from_many_addresses_slow_new_addresses_but_not_the_owners_desk(
    app: Flask, clock: ManualClock
) -> None:
    """Twenty guesses from four addresses: a new address waits out the window; the owner's desk, where
    she signed in last week, does not; after the window a new address may try again."""
    assert _sign_in(app, OFFICE, "giamdoc", DEMO_PASSWORD)[0] == 302
    clock.advance(timedelta(days=7))
    for stranger in range(4):
        for _ in range(5):
            assert _sign_in(app, f"198.51.100.{stranger}", "giamdoc", "doan-mo")[0] == 401
    status, page, _headers = _sign_in(app, "192.0.2.77", "giamdoc", DEMO_PASSWORD)
    assert status == 429 and TOO_MANY in page
    assert _sign_in(app, OFFICE, "giamdoc", DEMO_PASSWORD)[0] == 302
    clock.advance(timedelta(minutes=15, seconds=1))
    assert _sign_in(app, "192.0.2.77", "giamdoc", DEMO_PASSWORD)[0] == 302


def test_one_address_cannot_try_account_after_account(app: Flask) -> None:
    """Four guesses at each of five accounts from one address: the address waits for any account."""
    for username in ("vanthu", "giamdoc", "pgd.hoa", "pgd.lan", "tp.qlvhgd"):
        for _ in range(4):
            assert _sign_in(app, "203.0.113.9", username, "doan-mo")[0] == 401
    assert _sign_in(app, "203.0.113.9", "cv.hvd", DEMO_PASSWORD)[0] == 429
    assert _sign_in(app, OFFICE, "cv.hvd", DEMO_PASSWORD)[0] == 302


def test_twelve_parallel_guesses_are_twelve(app: Flask, runtime: Runtime) -> None:
    """Twelve wrong passwords at the same moment: all twelve are recorded and at most five are checked;
    the right password then waits, however the twelve interleaved."""
    clients = [_client(app, OFFICE) for _ in range(12)]
    tokens = [csrf_token(c.get("/login").get_data(as_text=True)) for c in clients]
    start = Barrier(len(clients))

    def guess(index: int) -> int:
        start.wait()
        data = {"username": "giamdoc", "password": f"doan-{index}", "csrf_token": tokens[index]}
        return clients[index].post("/login", data=data).status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = list(pool.map(guess, range(len(clients))))
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) <= 5, statuses
    assert _attempts(runtime, "giamdoc") == 12
    checked = statuses.count(401)
    while (status := _sign_in(app, OFFICE, "giamdoc", "doan-mo")[0]) == 401:
        checked += 1
    assert status == 429 and checked == 5
    assert _sign_in(app, OFFICE, "giamdoc", DEMO_PASSWORD)[0] == 429

"""Sign-in and pages hardened, shown on `directive-flow serve` itself (two gunicorn workers, each its own
process): a session cookie replayed after sign-out, crafted `next=` targets, the security headers, and
twelve wrong passwords sent at once."""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from tests.served import Reply, ServedApp, WebClient, run_setup, served_database, start_server
from tests.web.conftest import csrf_token
from web.accounts.users import DEMO_PASSWORD
from web.core.models import LoginAttempt
from web.core.security_headers import CONTENT_SECURITY_POLICY


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """One served application for the tests of this module; each test signs in as users of its own."""
    folder = tmp_path_factory.mktemp("served-hardening")
    with served_database(folder) as (database, db):
        run_setup(folder, database)
        with start_server(folder, database, db) as app:
            yield app


def _signs_in_again(reply: Reply) -> bool:
    return reply.status == 302 and (reply.location or "").startswith("/login")


def test_a_session_cookie_replayed_after_sign_out_opens_nothing(server: ServedApp) -> None:
    """A copy of the clerk's cookie works while she is signed in, on either worker; after she signs out
    the copy is sent to the sign-in page, whichever worker answers."""
    clerk = server.client("vanthu")
    thief = WebClient(server.url, cookies=dict(clerk.cookies))
    assert all(thief.get("/").status == 200 for _ in range(4))
    assert clerk.post_form("/logout", {}, page="/").status == 302
    assert all(_signs_in_again(thief.get("/")) for _ in range(4))
    assert _signs_in_again(clerk.get("/"))


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(server: ServedApp, target: str) -> None:
    """`next=/%09/evil.example` and its kin land on the inbox; a newline no longer gives a 500."""
    browser = server.anonymous()
    url = f"/login?next={quote(target, safe='')}"
    reply = browser.post_form(url, {"username": "cv.hvd", "password": DEMO_PASSWORD})
    assert (reply.status, reply.location) == (302, "/"), reply.text[:500]


def test_the_language_switch_never_redirects_off_site(server: ServedApp) -> None:
    """A forged `next` in the language switch lands on the inbox; a real page comes back."""
    browser = server.client("cv.ntm")
    for target in ("/%09/evil.example", "/\t/evil.example", "https://evil.example/"):
        reply = browser.post_form("/lang/en", {"next": target}, page="/")
        assert (reply.status, reply.location) == (302, "/"), target
    assert browser.post_form("/lang/vi", {"next": "/mine"}, page="/").location == "/mine"


def test_every_kind_of_response_carries_the_security_headers(server: ServedApp) -> None:
    """Sign-in page, inbox, a missing page, a style sheet and the health check, as gunicorn serves them."""
    anonymous, officer = server.anonymous(), server.client("tp.qlvhgd")
    replies = {
        "/login": anonymous.get("/login"),
        "/": officer.get("/"),
        "/no-such-page": officer.get("/no-such-page"),
        "/static/css/app.css": anonymous.get("/static/css/app.css"),
        "/healthz": anonymous.get("/healthz"),
    }
    for path, reply in replies.items():
        assert reply.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"], path
        assert reply.headers["X-Frame-Options"] == "DENY", path
        assert reply.headers["X-Content-Type-Options"] == "nosniff", path
        assert reply.headers["Referrer-Policy"] == "same-origin", path


def test_twelve_parallel_wrong_passwords_are_counted_as_twelve(server: ServedApp) -> None:
    """Twelve browsers send a wrong password for the director at the same moment: twelve attempts are on
    record, at most five passwords were checked, and the right password then waits, saying how long."""
    browsers = [server.anonymous() for _ in range(12)]
    tokens = [csrf_token(b.get("/login").text) for b in browsers]
    start = Barrier(len(browsers))

    def guess(index: int) -> int:
        start.wait()
        fields = {"username": "giamdoc", "password": f"doan-{index}", "csrf_token": tokens[index]}
        return browsers[index].post("/login", fields).status

    with ThreadPoolExecutor(len(browsers)) as pool:
        statuses = list(pool.map(guess, range(len(browsers))))
    assert set(statuses) <= {401, 429} and statuses.count(401) <= 5, statuses
    with server.reading() as session:
        recorded = session.scalar(select(func.count()).where(LoginAttempt.username == "giamdoc"))
    assert recorded == 12
    checked = statuses.count(401)
    while (reply := server.anonymous().post_form("/login", {"username": "giamdoc", "password": "x"})).status == 401:
        checked += 1
    assert reply.status == 429 and checked == 5
    refused = server.anonymous().post_form("/login", {"username": "giamdoc", "password": DEMO_PASSWORD})
    assert refused.status == 429
    seconds = int(refused.headers["Retry-After"])
    assert 10 * 60 < seconds <= 15 * 60
    assert f"Vui lòng thử lại sau {math.ceil(seconds / 60)} phút." in refused.text

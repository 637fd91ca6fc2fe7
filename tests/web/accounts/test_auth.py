"""Signing in and out: hashed passwords, slowed-down guessing, cookie flags, pages behind sign-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from engine.clock import ManualClock
from tests.web.conftest import csrf_token
from web.accounts.users import DEMO_PASSWORD
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.orgchart.models import User


def _post_login(client: FlaskClient, username: str, password: str) -> tuple[int, str]:
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)})
    return response.status_code, response.get_data(as_text=True)


def test_pages_need_sign_in(client: FlaskClient) -> None:
    """Opening the inbox without signing in leads to the sign-in page, which comes back afterwards."""
    response = client.get("/")
    assert response.status_code == 302
    assert "/login?next=%2F" in response.headers["Location"]


def test_sign_in_shows_my_name_and_my_inbox(login: Callable[[str], FlaskClient]) -> None:
    """After signing in, the clerk lands on Việc cần xử lý with her name in the header."""
    page = login("vanthu").get("/").get_data(as_text=True)
    assert "Việc cần xử lý" in page
    assert "Văn thư" in page


def test_passwords_are_stored_as_argon2id(runtime: Runtime, app: object) -> None:
    """Nobody can read a password back from the database."""
    with unit_of_work(runtime.sessions) as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "vanthu"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert DEMO_PASSWORD not in stored


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client: FlaskClient) -> None:
    """Wrong password and unknown user get the same answer, in Vietnamese."""
    wrong = _post_login(client, "vanthu", "sai-mat-khau")
    unknown = _post_login(client, "khong-co-ai", "sai-mat-khau")
    assert wrong[0] == unknown[0] == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong[1]
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in unknown[1]


def test_repeated_failures_slow_down_sign_in(client: FlaskClient, clock: ManualClock) -> None:
    """After five wrong guesses even the right password waits; after the window it works again."""
    for _ in range(5):
        assert _post_login(client, "giamdoc", "doan-mo")[0] == 401
    status, page = _post_login(client, "giamdoc", DEMO_PASSWORD)
    assert status == 429
    assert "Đăng nhập sai quá nhiều lần" in page
    clock.advance(timedelta(minutes=16))
    assert _post_login(client, "giamdoc", DEMO_PASSWORD)[0] == 302


def test_session_cookie_flags(client: FlaskClient) -> None:
    """The session cookie is HttpOnly, Secure and SameSite=Lax."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"username": "vanthu", "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)}
    )
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_forms_without_the_csrf_token_are_refused(client: FlaskClient) -> None:
    """A sign-in posted from another site (no CSRF token) is refused with a clear page."""
    response = client.post("/login", data={"username": "vanthu", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)


def test_sign_out(login: Callable[[str], FlaskClient]) -> None:
    """Signing out ends the session: the inbox asks to sign in again."""
    client = login("vanthu")
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_next_never_leaves_the_site(client: FlaskClient) -> None:
    """A crafted ?next= pointing to another host lands on the inbox instead."""
    page = client.get("/login?next=//evil.example/").get_data(as_text=True)
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": "vanthu", "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert response.headers["Location"] == "/"

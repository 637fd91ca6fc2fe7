"""Sessions end on the server: a copy of the session cookie is worth nothing once its session is over."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from engine.clock import ManualClock
from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from web.accounts.passwords import hash_password
from web.core.composition import Runtime
from web.core.db import unit_of_work
from web.core.models import SignInSession
from workflows.orgchart.models import User


def _replay(app: Flask, cookie: str) -> FlaskClient:
    """Another browser holding a copy of the session cookie."""
    copy = app.test_client()
    copy.environ_base["wsgi.url_scheme"] = "https"
    copy.set_cookie("session", cookie)
    return copy


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _signs_in_again(client: FlaskClient) -> bool:
    response = client.get("/")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_copied_before_sign_out_no_longer_works_after_it(app: Flask) -> None:
    """The copy works while the session lasts; after signing out neither the copy nor the original does."""
    clerk = signed_in(app, "vanthu")
    copied = _session_cookie(clerk)
    assert _replay(app, copied).get("/").status_code == 200
    token = csrf_token(clerk.get("/").get_data(as_text=True))
    assert clerk.post("/logout", data={"csrf_token": token}).status_code == 302
    assert _signs_in_again(_replay(app, copied))
    assert _signs_in_again(clerk)


def test_signing_out_ends_only_that_session(app: Flask) -> None:
    """The same officer signed in on a second computer stays signed in there."""
    office, home = signed_in(app, "vanthu"), signed_in(app, "vanthu")
    token = csrf_token(office.get("/").get_data(as_text=True))
    office.post("/logout", data={"csrf_token": token})
    assert _signs_in_again(office)
    assert home.get("/").status_code == 200


def test_a_session_ends_ten_hours_after_sign_in(app: Flask, runtime: Runtime) -> None:
    """A session is good for ten hours from signing in; once they are over, even a cookie the browser
    still holds is refused."""
    clerk = signed_in(app, "vanthu")
    with unit_of_work(runtime.sessions) as session:
        row = session.scalars(select(SignInSession).where(SignInSession.username == "vanthu")).one()
        assert row.expires_at - row.created_at == timedelta(hours=10)
        assert row.created_at <= datetime.now(UTC) <= row.expires_at
        # Ten hours later, as far as this session is concerned.
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert _signs_in_again(clerk)


def test_sessions_follow_real_hours_not_the_application_clock(app: Flask, clock: ManualClock) -> None:
    """The application's clock, which tests move by days to reach a deadline, does not end a session."""
    clerk = signed_in(app, "vanthu")
    clock.advance(timedelta(days=3))
    assert clerk.get("/").status_code == 200


def test_a_changed_password_ends_earlier_sessions(app: Flask, runtime: Runtime) -> None:
    """Whoever knew the old password and signed in with it is out as soon as the password changes."""
    clerk = signed_in(app, "vanthu")
    with unit_of_work(runtime.sessions) as session:
        session.execute(update(User).where(User.username == "vanthu").values(password_hash=hash_password("mới-2023")))
    assert _signs_in_again(clerk)


def test_a_deactivated_officer_is_signed_out(app: Flask, runtime: Runtime) -> None:
    """An officer who leaves the Sở loses every open session at once."""
    clerk = signed_in(app, "vanthu")
    with unit_of_work(runtime.sessions) as session:
        session.execute(update(User).where(User.username == "vanthu").values(active=False))
    assert _signs_in_again(clerk)


def test_neither_a_username_nor_the_stored_digest_opens_a_session(app: Flask, runtime: Runtime) -> None:
    """The cookie names a random token; the server keeps only its digest, and a cookie made (with the
    application's own key) from a username, as before sessions were kept, or from the digest opens nothing."""
    clerk = signed_in(app, "vanthu")
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    content = serializer.loads(_session_cookie(clerk))
    with unit_of_work(runtime.sessions) as session:
        (row,) = session.scalars(select(SignInSession).where(SignInSession.username == "vanthu")).all()
    assert content["_user_id"] != "vanthu"
    assert row.token_hash == hashlib.sha256(content["_user_id"].encode()).hexdigest()
    assert _replay(app, serializer.dumps(content)).get("/").status_code == 200  # the forging itself works
    for forged_id in ("vanthu", row.token_hash):
        assert _signs_in_again(_replay(app, serializer.dumps({**content, "_user_id": forged_id}))), forged_id

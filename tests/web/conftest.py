"""Fixtures for the web layer: the application on the test runtime, a browser-like client, sign-in."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from web import create_app
from web.accounts.users import DEMO_PASSWORD, give_demo_passwords
from web.core.composition import Runtime
from web.core.db import unit_of_work

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    """The application on the test's own database and clock, with the demo passwords set."""
    with unit_of_work(runtime.sessions) as session:
        give_demo_passwords(session)
    application = create_app(runtime=runtime)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client that talks HTTPS, as browsers do with the Secure session cookie."""
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def csrf_token(html: str) -> str:
    """The CSRF token a page's form carries."""
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


@pytest.fixture
def login(client: FlaskClient) -> Callable[[str], FlaskClient]:
    """Sign in as a demo user through the real sign-in form."""

    def _login(username: str, password: str = DEMO_PASSWORD) -> FlaskClient:
        page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login

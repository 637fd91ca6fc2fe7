"""After signing in and after switching language a person goes back only to a page of this site."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import csrf_token
from web.accounts.users import DEMO_PASSWORD
from web.core.local_paths import is_local_path

OFF_SITE = [
    "//evil.example/",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%2F/evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    " /cases/1",
    "/cases/1\x00",
    "/\u200b/evil.example",
    "",
]
LOCAL = ["/", "/cases/12", "/cases/12?instance=3#attachments", "/search?q=L%E1%BA%A1ng+S%C6%A1n", "/?page=2&sort=due"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_targets_a_browser_could_read_as_another_site_are_refused(target: str) -> None:
    """Hosts, schemes, backslashes, control characters and spaces, plain or percent-encoded."""
    assert not is_local_path(target)


@pytest.mark.parametrize("target", LOCAL)
def test_paths_of_this_site_are_kept(target: str) -> None:
    """Ordinary pages, with their query and fragment."""
    assert is_local_path(target)


def _sign_in_with_next(client: FlaskClient, next_value: str) -> tuple[int, str]:
    url = f"/login?next={quote(next_value, safe='')}"
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"username": "vanthu", "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)})
    return response.status_code, response.headers.get("Location", "")


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example"])
def test_sign_in_never_sends_a_person_off_site(client: FlaskClient, target: str) -> None:
    """A crafted ?next= (a tab the browser would drop, a newline that once gave a 500) lands on the inbox."""
    assert _sign_in_with_next(client, target) == (302, "/")


def test_sign_in_goes_back_to_the_page_asked_for(client: FlaskClient) -> None:
    """The page that asked for signing in comes back afterwards, query included."""
    assert _sign_in_with_next(client, "/search?q=2104") == (302, "/search?q=2104")


@pytest.mark.parametrize(
    "target", ["/%09/evil.example", "/\t/evil.example", "/\r\nSet-Cookie: x=1", "https://evil.example"]
)
def test_the_language_switch_never_sends_a_person_off_site(login: Callable[[str], FlaskClient], target: str) -> None:
    """The hidden next field of the language switch, forged, brings the person to the inbox instead."""
    client = login("vanthu")
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/lang/en", data={"csrf_token": token, "next": target})
    assert (response.status_code, response.headers["Location"]) == (302, "/")


def test_the_language_switch_goes_back_to_the_page(login: Callable[[str], FlaskClient]) -> None:
    """Switching language on a page shows the same page again, in the other language."""
    client = login("vanthu")
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/lang/en", data={"csrf_token": token, "next": "/?sort=due"})
    assert response.headers["Location"] == "/?sort=due"

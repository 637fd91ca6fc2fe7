"""Vietnamese by default, English on request: the message catalogue is complete and the pages follow the choice."""

from __future__ import annotations

import gettext
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

import web
from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal
from tests.web.conftest import csrf_token
from web.accounts.users import DEMO_PASSWORD
from web.core.composition import Runtime
from workflows.directive import scenario

Login = Callable[[str], FlaskClient]

TRANSLATIONS = Path(web.__file__).parent / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
TEMPLATE_POT = TRANSLATIONS / "messages.pot"
PROJECT_ROOT = Path(web.__file__).parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")
DAY = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")


def _read(path: Path) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream)


def _compile(po: Path, mo: Path) -> None:
    """Compile a catalogue with babel, replacing the .mo in one step (another process may be reading it)."""
    catalog = _read(po)
    partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
    with partial.open("wb") as stream:
        write_mo(stream, catalog)
    partial.replace(mo)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """The application reads .mo files, built by `make install`; build them here when missing or stale."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            _compile(po, mo)


# --- the catalogue ------------------------------------------------------------------------------


def test_every_message_has_an_english_translation_with_the_same_placeholders() -> None:
    """No empty, fuzzy or half-translated entry: a missing %(name)s would break or lose the text."""
    catalog = _read(ENGLISH_PO)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 200
    for message in messages:
        # A plural entry (ngettext) has a singular and a plural id, and one English form for each.
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        strings = (message.string,) if isinstance(message.string, str) else tuple(message.string)
        assert len(strings) == len(ids), message.id
        for source, english in zip(ids, strings, strict=True):
            assert english.strip(), f"untranslated: {source!r}"
            assert Counter(PLACEHOLDER.findall(english)) == Counter(PLACEHOLDER.findall(source)), source
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
    assert not [(m.id, errors) for m, errors in catalog.check()]


def test_the_catalogue_compiles_and_reads_back(tmp_path: Path) -> None:
    """babel compiles the catalogue and Python's gettext reads the result."""
    mo = tmp_path / "messages.mo"
    _compile(ENGLISH_PO, mo)
    with mo.open("rb") as stream:
        english = gettext.GNUTranslations(stream)
    assert english.gettext("Việc cần xử lý") == "My tasks"
    assert english.gettext("Hỏa tốc") == "Flash"
    assert english.gettext("Hồ sơ số %(id)s") % {"id": 7} == "Case no. 7"


def test_the_catalogue_has_every_message_of_the_code() -> None:
    """Every string the code and templates mark for translation is in the template and in English.

    When this fails after changing user-facing text: `make translations`, then translate the new entries.
    """
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    in_code = {
        message for _file, _line, message, *_rest in extract_from_dir(PROJECT_ROOT, method_map, options_map, keywords)
    }
    in_template = {m.id for m in _read(TEMPLATE_POT) if m.id}
    in_english = {m.id for m in _read(ENGLISH_PO) if m.id}
    assert sorted(map(str, in_code - in_template)) == [], "messages.pot is out of date"
    assert sorted(map(str, in_code - in_english)) == [], "the English catalogue lacks these"


# --- the pages ----------------------------------------------------------------------------------


def _choose(client: FlaskClient, code: str, page: str, back_to: str) -> None:
    response = client.post(f"/lang/{code}", data={"csrf_token": csrf_token(page), "next": back_to})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(back_to)


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def specialist(runtime: Runtime, clock: ManualClock, login: Login) -> FlaskClient:
    """The specialist signed in, with the reference case waiting for her draft (so the inbox has dates)."""
    scenario.register_and_instruct(fast_rehearsal(runtime, clock))
    return login(scenario.SPECIALIST)


def test_the_inbox_is_in_vietnamese_then_in_english_with_the_same_dates(specialist: FlaskClient) -> None:
    """Vietnamese first; after choosing English the same inbox speaks English and dates stay dd/mm/yyyy."""
    vietnamese = _page(specialist, "/")
    assert '<html lang="vi">' in vietnamese
    assert "Việc cần xử lý" in vietnamese
    assert "Trích yếu" in vietnamese

    _choose(specialist, "en", vietnamese, "/")
    english = _page(specialist, "/")
    assert '<html lang="en">' in english
    assert "My tasks" in english
    assert "Việc cần xử lý" not in english
    for label in ("Subject", "Number and code", "Due", "Urgency", "My documents", "Sign out"):
        assert label in english
    assert "06/03/2023 09:30" in english
    assert DAY.findall(english) == DAY.findall(vietnamese) != []


def test_a_task_page_and_a_flash_message_in_english(specialist: FlaskClient) -> None:
    """The task page's own labels and the messages after an action follow the chosen language."""
    inbox = _page(specialist, "/")
    task_path = re.search(r'href="(/tasks/[^"/]+)"', inbox)
    assert task_path, "the specialist has a task"
    _choose(specialist, "en", inbox, "/")
    page = _page(specialist, task_path.group(1))
    for label in ("Director's instruction", "Lead division", "Urgency", "Normal", "Comments from earlier steps"):
        assert label in page
    for vietnamese in ("Độ khẩn", "Đơn vị chủ trì", "Ý kiến các bước trước", "Hoàn thành"):
        assert vietnamese not in page
    claim = re.search(r'action="(/tasks/[^"]+/claim)"', page)
    assert claim, "the draft waits for the division's specialists, unclaimed"
    response = specialist.post(claim.group(1), data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    claimed = response.get_data(as_text=True)
    assert "You have claimed" in claimed and "Release to group" in claimed


def test_the_sign_in_page_in_english_and_signing_in_keeps_the_choice(client: FlaskClient) -> None:
    """A visitor can choose English before signing in; the choice outlives the sign-in."""
    login_page = _page(client, "/login")
    assert "Đăng nhập" in login_page
    _choose(client, "en", login_page, "/login")
    english = _page(client, "/login")
    assert "Sign in" in english and "Username" in english and "Password" in english
    assert "Đăng nhập" not in english and "Mật khẩu" not in english

    response = client.post(
        "/login", data={"username": "vanthu", "password": "sai-mat-khau", "csrf_token": csrf_token(english)}
    )
    assert response.status_code == 401
    assert "Incorrect username or password." in response.get_data(as_text=True)

    client.post("/login", data={"username": "vanthu", "password": DEMO_PASSWORD, "csrf_token": csrf_token(english)})
    inbox = _page(client, "/")
    assert "My tasks" in inbox and "Register incoming letter" in inbox


def test_switching_back_to_vietnamese(login: Login) -> None:
    """English, then Tiếng Việt again: the page is Vietnamese as before."""
    client = login("vanthu")
    _choose(client, "en", _page(client, "/"), "/")
    english = _page(client, "/")
    assert "My tasks" in english
    _choose(client, "vi", english, "/")
    vietnamese = _page(client, "/")
    assert "Việc cần xử lý" in vietnamese and "Tiếp nhận văn bản đến" in vietnamese
    assert "My tasks" not in vietnamese


def test_an_unknown_language_keeps_the_current_one(login: Login) -> None:
    """/lang/fr changes nothing: Vietnamese stays Vietnamese, and a chosen English stays English."""
    client = login("vanthu")
    _choose(client, "fr", _page(client, "/"), "/")
    page = _page(client, "/")
    assert "Việc cần xử lý" in page and '<html lang="vi">' in page

    _choose(client, "en", page, "/")
    _choose(client, "xx", _page(client, "/"), "/")
    assert "My tasks" in _page(client, "/")


def test_the_language_choice_refuses_a_foreign_return_address(login: Login) -> None:
    """Choosing a language never sends the person to another site."""
    client = login("vanthu")
    page = _page(client, "/")
    response = client.post("/lang/en", data={"csrf_token": csrf_token(page), "next": "//evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]

"""Language and time: Vietnamese by default, English on request; dates as dd/mm/yyyy in Vietnam's time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import format_date, format_datetime
from werkzeug.wrappers import Response

from web.core.extensions import babel
from web.core.labels import step_label
from web.core.local_paths import local_or

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANGUAGE = "vi"

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The language the person chose, or Vietnamese."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


@bp.post("/lang/<code>")
def choose_language(code: str) -> Response:
    """Remember the chosen language for this session and go back to the page."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(local_or(request.form.get("next"), url_for("inbox.index")))


def local_date(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy, in Vietnam's time for moments; nothing for a value not there (None, "", undefined)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return str(format_datetime(value, "dd/MM/yyyy"))
    return str(format_date(value, "dd/MM/yyyy"))


def deadline_date(value: datetime | None) -> str:
    """The last day a deadline allows, dd/mm/yyyy.

    Deadlines are stored as the first moment that is late; one given as a day ends at the midnight
    that follows it, so show that day rather than the next.
    """
    if value is None:
        return ""
    last_moment = value - timedelta(microseconds=1)
    return str(format_datetime(last_moment, "dd/MM/yyyy"))


def local_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:mm in Vietnam's time."""
    return "" if value is None else str(format_datetime(value, "dd/MM/yyyy HH:mm"))


def init_app(app: Flask, timezone: str) -> None:
    """Wire Flask-Babel with our defaults and the template filters."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", timezone)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["deadline_date"] = deadline_date
    app.jinja_env.filters["step"] = step_label
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = select_locale
    app.register_blueprint(bp)

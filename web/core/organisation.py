"""The loaded organisation as pages name it: the agency in every page's header, roles by the chart's words.

Nothing here knows an organisation: the names come from the org chart in the database (the
``agency`` setting and its unit, the declared roles).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from web.core.requests import db
from workflows.orgchart.models import Role, Setting, Unit


@dataclass
class _LastKnown:
    """The agency's name as last read, for pages drawn without the database (it may be away)."""

    name: str | None = None


def agency_name(session: Session) -> str | None:
    """The full name of the agency the chart's ``agency`` setting names, or None before any chart."""
    code = session.scalar(select(Setting.value).where(Setting.key == "agency"))
    if not isinstance(code, str):
        return None
    return session.scalar(select(Unit.name).where(Unit.code == code))


def _header_name() -> str:
    last: _LastKnown = current_app.extensions["directive_flow_agency"]
    # A page whose session is gone (an error page after a lost database) shows the last name read.
    if "db" in g or last.name is None:
        try:
            last.name = agency_name(db())
        except SQLAlchemyError:
            return last.name or ""
    return last.name or ""


def declared_role(role: str) -> Role | None:
    """The chart's declaration of a role, read in this request's session (None outside a request)."""
    if not has_request_context():
        return None
    try:
        return db().scalar(select(Role).where(Role.code == role))
    except SQLAlchemyError:
        return None


def page_in_english() -> bool:
    """Whether the page is drawn in English."""
    return has_request_context() and str(get_locale() or "") == "en"


def init_app(app: Flask) -> None:
    """Every template sees ``organisation_name()``: the loaded agency's name, for the page header."""
    app.extensions["directive_flow_agency"] = _LastKnown()
    app.context_processor(lambda: {"organisation_name": _header_name})

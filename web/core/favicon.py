"""The site's icon: browsers ask for /favicon.ico whatever the page says, so both addresses answer."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app
from werkzeug.wrappers import Response

bp = Blueprint("favicon", __name__)


@bp.get("/favicon.ico")
@bp.get("/favicon.svg")
def favicon() -> Response:
    """The icon (an SVG of our own), cached for a day; no sign-in needed."""
    icon = Path(current_app.static_folder or "static") / "favicon.svg"
    response = Response(icon.read_bytes(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response

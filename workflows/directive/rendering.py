"""The công văn as a printable HTML page (A4, ND30 margins and fonts)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from workflows.directive.document import Document


@cache
def _environment() -> Environment:
    # Built on first use, not at import time; autoescape because every text is user input.
    return Environment(
        loader=PackageLoader("workflows.directive", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        keep_trailing_newline=True,
    )


def render_html(document: Document) -> str:
    """A standalone HTML page of the document with print CSS for A4."""
    return _environment().get_template("cong_van.html").render(doc=document)

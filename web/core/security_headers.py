"""Security headers on every response: what a browser may load into our pages, and who may frame them.

The pages satisfy this policy as they are: no inline script, style or event handler in any template
(scripts are files under static/, the diagram viewer sizes itself through the CSSOM, which style-src
does not govern), and the only data: URLs are the images of the diagram viewer's style sheet. A
response that sets a header itself keeps its own: a downloaded attachment (sandboxed), the printable
document (its own print CSS allowed by hash).
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response

_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


CONTENT_SECURITY_POLICY = _policy(_DIRECTIVES)
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def policy_for_standalone_page(html: str) -> str:
    """The policy, letting through exactly the <style> blocks `html` carries, by their SHA-256.

    For a standalone page that keeps its CSS inside (the printable document, which must also read
    well saved to disk): any other style, or a changed one, is still refused.
    """
    digests = [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in _STYLE_BLOCK.findall(html)
    ]
    return _policy({**_DIRECTIVES, "style-src": " ".join(["'self'", *digests])})


HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # frame-ancestors for today's browsers, X-Frame-Options for those that predate it.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    """Add the headers to every response the application gives."""

    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

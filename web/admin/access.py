"""Who may open the administrators' pages: administrators change, auditors (and administrators) read.

Checked on the server by every route of web/admin; a refusal is a 403 like any other page's.
"""

from __future__ import annotations

from flask import abort

from web.accounts.auth import me

#: Who reads the administrators' pages: administrators, who change them, and auditors, who check them.
READERS = ("admin", "auditor")


def require_admin() -> None:
    """Refuse anyone but an administrator."""
    if not me().holds("admin"):
        abort(403)


def require_reader() -> None:
    """Refuse anyone who is neither an administrator nor an auditor."""
    if not any(me().holds(role) for role in READERS):
        abort(403)

"""The auditors' check that the trail is untouched (/audit/verify): the same verification as
`directive-flow audit verify` (engine/audit_verify.py), run when asked and shown as a page.

It reads every event, so it runs only when the auditor asks for it (a link, not on every visit),
and it only reads: auditors, who may change nothing, can run it.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from flask import Blueprint, abort, render_template, request
from flask_login import login_required

from engine.audit_verify import verify_trail
from web.audit.search import may_search
from web.core.requests import db, runtime

bp = Blueprint("audit_verify", __name__, url_prefix="/audit", template_folder="templates")

#: How many broken events the page lists; the command line prints them all.
SHOWN = 200


@bp.get("/verify")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """The check's page; with ``?run=1`` the trail is verified now and the outcome shown."""
    if not may_search():
        abort(403)
    outcome = verify_trail(db(), runtime().settings.audit_checkpoints_path) if request.args.get("run") else None
    checkpoint_at = None
    if outcome is not None and outcome.checkpoint_at:
        with suppress(ValueError):
            checkpoint_at = datetime.fromisoformat(outcome.checkpoint_at)
    return render_template("audit/verify.html", outcome=outcome, checkpoint_at=checkpoint_at, shown=SHOWN)

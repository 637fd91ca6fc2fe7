"""The request as a unit of work: one session, committed once if the request succeeds."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine.runtime import Engine
from web.core.composition import Runtime
from web.core.db import READ_ONLY
from workflows.orgchart.directory import OrgDirectory


def runtime() -> Runtime:
    """The application's runtime (database, services)."""
    value: Runtime = current_app.extensions["directive_flow"]
    return value


def db() -> Session:
    """The request's session, opened on first use."""
    if "db" not in g:
        session = runtime().sessions()
        if request.method in ("GET", "HEAD"):
            # Page views only read: on SQLite they must not take the write lock.
            session.connection(execution_options={READ_ONLY: True})
        g.db = session
    value: Session = g.db
    return value


def keep_changes_on_error() -> None:
    """Commit this request's work even though it answers with an error (e.g. a refused sign-in)."""
    g.keep_changes = True


def engine() -> Engine:
    """The workflow engine bound to this request's transaction."""
    if "engine" not in g:
        g.engine = Engine(db(), runtime().services)
    value: Engine = g.engine
    return value


def directory() -> OrgDirectory:
    """Who holds which role where, read in this request's transaction."""
    return OrgDirectory(db())


def init_app(app: Flask) -> None:
    """Commit the request's work once when it succeeded; roll it back otherwise."""

    @app.after_request
    def _commit(response: Response) -> Response:
        session = g.get("db")
        if session is None:
            return response
        if response.status_code < 400 or g.get("keep_changes"):
            try:
                session.commit()
            except SQLAlchemyError as exc:
                g.pop("keep_changes", None)
                # Nothing was saved after all: the person gets the page of what went wrong (the
                # database gone: 503), not the page of a success, and it passes the other hooks too.
                failed = current_app.make_response(current_app.handle_user_exception(exc))
                return current_app.process_response(failed)
        else:
            _quietly(session.rollback)
        return response

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            _quietly(session.rollback)
            _quietly(session.close)


def _quietly(step: Callable[[], object]) -> None:
    # Undoing work on a connection that is gone (the database restarted) has nothing left to undo.
    with suppress(SQLAlchemyError):
        step()

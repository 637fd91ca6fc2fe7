"""The database goes away under `directive-flow serve` and comes back: 503 pages, health checks that
say so, a job worker that waits instead of dying, and everything working again once it is back.

The served application reaches PostgreSQL through a TCP forwarder this test controls; cutting it
refuses new connections and drops open ones, as a database restart or a network cut does. (An
SQLite file cannot be unreachable in that way, so this test runs on PostgreSQL in both CI passes.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.deployment.tcp_proxy import TcpProxy
from tests.served import ServedApp, run_setup, served_database, start_server

pytestmark = pytest.mark.postgresql

WAIT_SECONDS = 60.0
UNAVAILABLE = "Không kết nối được tới cơ sở dữ liệu"


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[ServedApp, TcpProxy]]:
    """The application served on PostgreSQL through a forwarder the test can cut and restore."""
    with served_database(tmp_path, postgresql=True) as (database, db):
        run_setup(tmp_path, database)
        url = make_url(database["DATABASE_URL"])
        proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
        proxy.restore()
        through = {**database, "DATABASE_URL": url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)}
        try:
            with start_server(tmp_path, through, db) as app:
                yield app, proxy
        finally:
            proxy.close()


def test_an_unreachable_database_gives_503_and_the_application_recovers(proxied: tuple[ServedApp, TcpProxy]) -> None:
    """While the database is away: 503 pages, /readyz 503, /healthz says so, the worker waits; then all is well."""
    served, proxy = proxied
    clerk = served.client("vanthu")
    assert clerk.get("/").status == 200
    assert served.anonymous().get("/readyz").status == 200
    [worker] = served.job_worker_pids()

    proxy.cut()
    page = clerk.get("/")
    assert page.status == 503, page.text[:2000]
    assert UNAVAILABLE in page.text and page.headers["Retry-After"]
    signing_in = served.anonymous().get("/login")
    assert signing_in.status in (200, 503)  # the form itself needs no database
    refused = served.anonymous().sign_in("giamdoc")
    assert refused.status == 503, refused.text[:2000]
    ready = served.anonymous().get("/readyz")
    assert ready.status == 503 and '"database":"unavailable"' in ready.text.replace(" ", "")
    alive = served.anonymous().get("/healthz")
    assert alive.status == 200 and '"database":"unavailable"' in alive.text.replace(" ", "")
    served.wait_until(
        lambda: "database unavailable (" in served.log() and "retrying in" in served.log(),
        timeout=WAIT_SECONDS,
        what=lambda: "the job worker never said it lost the database",
    )

    proxy.restore()
    served.wait_until(
        lambda: served.anonymous().get("/readyz").status == 200,
        timeout=WAIT_SECONDS,
        what=lambda: "/readyz did not recover",
    )
    assert clerk.get("/").status == 200  # still signed in: the session outlived the outage
    assert served.client("giamdoc").get("/").status == 200
    served.wait_until(
        lambda: "database reachable again" in served.log(),
        timeout=WAIT_SECONDS,
        what=lambda: "the job worker did not come back to the database",
    )
    assert served.job_worker_pids() == [worker]  # it waited; it never died
    assert "unhandled error" not in served.log()

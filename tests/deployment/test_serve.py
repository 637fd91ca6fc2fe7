"""`directive-flow serve` as users start it: it answers, people sign in, the job worker runs beside it."""

from __future__ import annotations

from tests.served import ServedApp


def test_serve_answers_and_signs_people_in(served: ServedApp) -> None:
    """The served application is alive, a clerk signs in through the form, and a job worker was started."""
    for check in ("/healthz", "/readyz"):
        answer = served.anonymous().get(check)
        assert answer.status == 200 and '"database":"ok"' in answer.text.replace(" ", ""), answer.text
    clerk = served.client("vanthu")
    inbox = clerk.get("/")
    assert inbox.status == 200
    assert "Việc cần xử lý" in inbox.text and "Đăng xuất" in inbox.text
    assert len(served.job_worker_pids()) == 1
    assert served.anonymous().get("/").status == 302  # signed out: sent to the sign-in page

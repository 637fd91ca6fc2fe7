"""Two specialists send the same draft at the same moment, over HTTP to the served application's
two web workers: one succeeds, the other is told (409) who did it, and the case moves once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from engine.models import AuditEvent, TaskRow
from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import Reply, ServedApp
from tests.web.task_helpers import draft_changes, fill, form_values
from workflows.directive import reference_case as case
from workflows.directive.scenario import DIRECTOR
from workflows.orgchart.models import User

SPECIALISTS = ("cv.hvd", "cv.ntm")  # both specialists of the lead division: the draft is open to either


def test_the_second_of_two_simultaneous_completions_is_told_who_did_it(served: ServedApp) -> None:
    """Both open the draft, both send it together: exactly one 302, the other 409 naming the winner."""
    d = DirectiveOverHttp(served)
    d.register()
    d.do(DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": d.working_day(3)})
    task = d.the_ready("draft")
    draft = case.draft()
    draft["report_deadline"] = d.working_day(10)

    browsers = [d.browser(name) for name in SPECIALISTS]
    forms = []
    for browser in browsers:
        page = browser.get(f"/tasks/{task.id}")
        assert page.status == 200, page.text[:2000]
        forms.append(fill(form_values(page.text), draft_changes(draft)))
    barrier = threading.Barrier(len(browsers))
    replies: list[Reply | BaseException | None] = [None] * len(browsers)

    def send(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            replies[index] = browsers[index].post(f"/tasks/{task.id}", forms[index])
        except BaseException as exc:  # noqa: BLE001  (the test reports whatever a thread met)
            replies[index] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(reply, Reply) for reply in replies), replies
    statuses = sorted(reply.status for reply in replies if isinstance(reply, Reply))
    assert statuses == [302, 409], [(r.status, r.text[:1500]) for r in replies if isinstance(r, Reply)]

    winner = SPECIALISTS[[r.status for r in replies if isinstance(r, Reply)].index(302)]
    loser_reply = next(r for r in replies if isinstance(r, Reply) and r.status == 409)
    with served.reading() as session:
        winner_name = session.scalar(select(User.full_name).where(User.username == winner))
        row = session.get(TaskRow, task.id)
        completions = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.task_id == task.id, AuditEvent.tag == "engine:task:completed")
        )
    assert f"đã được {winner_name} xử lý lúc" in loser_reply.text
    assert row is not None and row.state == "completed" and row.completed_by == winner
    assert completions == 1
    assert len(d.ready("review_content")) == 1  # the case moved on once
    assert "unhandled error" not in served.log()

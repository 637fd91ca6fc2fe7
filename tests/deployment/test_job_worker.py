"""`directive-flow serve` keeps its job worker alive: killed, it is started again and the cases go on."""

from __future__ import annotations

import os
import signal

from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import ServedApp

# The subordinate units of the Sở: enough units for the case to wait on several, quick to run.
SUBORDINATE_UNITS = ["don_vi_truc_thuoc_so"]
WAIT_SECONDS = 60.0


def test_a_killed_job_worker_is_restarted_and_the_case_still_advances(served: ServedApp) -> None:
    """kill -9 the job worker while units report: serve logs it, starts another, and that one resumes the case."""
    d = DirectiveOverHttp(served)
    d.register()
    units = d.to_issue(SUBORDINATE_UNITS)
    assert len(units) > 2, d.state()
    *first, last = units
    for index, unit in enumerate(first):
        d.unit_carries_out(index, unit)

    [worker] = served.job_worker_pids()
    assert os.getpgid(worker) == served.process.pid  # one of the server's own processes
    os.kill(worker, signal.SIGKILL)
    served.wait_until(
        lambda: len(served.job_worker_pids()) == 2,
        timeout=WAIT_SECONDS,
        what=lambda: "no new job worker was started after the first was killed",
    )
    assert "job worker exited with code -9; restarting" in served.log()
    restarted = served.job_worker_pids()[-1]
    assert restarted != worker

    d.unit_carries_out(len(first), last)
    served.wait_until(
        lambda: d.ready("consolidate"),
        timeout=WAIT_SECONDS,
        what=lambda: f"the restarted job worker did not resume the case\n{d.state()}",
    )
    assert served.job_worker_pids() == [worker, restarted]

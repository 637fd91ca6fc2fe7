"""Scripts over their limits stop with a reason; a worker running one goes on with its other jobs.

The scripts are the ones an administrator's mistake (or malice) would write: an endless loop, a
number too big to compute, a string of gigabytes, a huge value stored in the case.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from engine.models import Job, ProcessInstance
from engine.sandbox_limits import ScriptLimitExceeded, ScriptLimits
from engine.scripting import SandboxEnvironment
from engine.worker import run_due_jobs

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

FIRE_AT = "2023-03-08T08:00:00+07:00"
LIMITS = ScriptLimits(seconds=0.3, items=100_000, int_bits=10_000, memory_bytes=256 << 20, result_bytes=100_000)


def _run(script: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    context = dict(data or {})
    SandboxEnvironment({}, LIMITS).execute(script, context)
    return context


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("while True:\n    pass", "ran longer than its limit of 0.3 s"),
        ("n = 0\nwhile n >= 0:\n    n += 1", "ran longer than its limit"),
        ("for i in range(100000):\n    for j in range(100000):\n        pass", "ran longer than its limit"),
        ("x = [i for i in range(100000) for j in range(100000)]", "ran longer than its limit"),
        ("x = 10**10**8", "bits (limit 10,000)"),
        ("x = pow(10, 10**8)", "bits (limit 10,000)"),
        ("x = 10\nx **= 10**8", "bits (limit 10,000)"),
        ("x = 1 << 10**9", "limit of 10,000 bits"),
        ("x = 'x' * 10**9", "a repetition of 1,000,000,000 items"),
        ("x = [0] * 10**9", "a repetition of 1,000,000,000 items"),
        ("x = list(range(10**9))", "range of 1,000,000,000 items"),
        ("s = 'ab'\nwhile True:\n    s += s", "a concatenation of"),
        ("s = 'x'.ljust(2 * 10**9)", "more memory than its limit of 256 MB"),
        ("big = 'x' * 60000\nkept = [big, big]", "stored more than the limit of 100,000 bytes (at 'kept')"),
    ],
)
def test_a_script_over_a_limit_stops_with_its_reason(script: str, reason: str) -> None:
    with pytest.raises(ScriptLimitExceeded, match=reason.replace("(", r"\(").replace(")", r"\)")):
        _run(script, {"existing": 1})


def test_nothing_a_refused_script_assigned_reaches_the_task_data() -> None:
    data = {"kept": "before"}
    with pytest.raises(ScriptLimitExceeded):
        SandboxEnvironment({}, LIMITS).execute("kept = 'after'\nhuge = 'x' * 200000", data)
    assert data == {"kept": "before"}


def test_ordinary_scripts_run_as_before() -> None:
    found = _run(
        "total = sum(f for f in figures)\n"
        "names = [u.upper() for u in units]\n"
        "label = 'Báo cáo ' + str(total) * 2\n"
        "n = 2 ** 64 + (3 << 10)\n"
        "i = 0\n"
        "while i < 1000:\n    i += 1\n"
        "kept = figures * 3\n"
        "m = pow(3, 10**8, 7)",
        {"figures": [1, 2, 3], "units": ["xa", "phuong"]},
    )
    assert found["total"] == 6 and found["names"] == ["XA", "PHUONG"] and found["label"] == "Báo cáo 66"
    assert found["n"] == 2**64 + 3072 and found["i"] == 1000 and found["kept"] == [1, 2, 3] * 3
    assert found["m"] == pow(3, 10**8, 7)


def test_an_expression_has_the_same_limits() -> None:
    environment = SandboxEnvironment({}, LIMITS)
    with pytest.raises(ScriptLimitExceeded):
        environment.evaluate("len('x' * 10**9) > 0", {})
    with pytest.raises(ScriptLimitExceeded):
        environment.evaluate("any(True for i in range(100000) for j in range(100000) if i < 0)", {})
    assert environment.evaluate("x ** 2 + 1", {"x": 3}) == 10


# -- in the engine: a timer whose script hangs becomes an incident; the worker goes on --------------


def test_a_hanging_timer_script_becomes_an_incident_while_other_jobs_fire(bare_env: EngineEnv) -> None:
    bare_env.services.script_limits = LIMITS
    bare_env.deploy("timer_script.bpmn")
    with bare_env.transaction() as engine:
        hanging = engine.start("timer_script", "em", {"mode": "hang", "fire_at": FIRE_AT}).instance_id
        healthy = engine.start("timer_script", "em", {"mode": "ok", "fire_at": FIRE_AT}).instance_id
    bare_env.clock.set(datetime(2023, 3, 8, 2, 0, tzinfo=UTC))
    for _ in range(bare_env.services.max_job_attempts):
        run_due_jobs(bare_env.sessions, bare_env.services)
        bare_env.clock.advance(timedelta(hours=1))
    jobs = {job.instance_id: job for job in bare_env.rows(Job)}
    assert jobs[hanging].status == "incident"
    assert "ran longer than its limit of 0.3 s" in (jobs[hanging].last_error or "")
    assert jobs[healthy].status == "done"
    assert bare_env.row(ProcessInstance, healthy).status == "completed"
    assert bare_env.row(ProcessInstance, hanging).status == "running"

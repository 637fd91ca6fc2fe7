"""The supervisor follows a directive on `directive-flow serve`: the board and the unit table over HTTP.

The served application runs on the real clock, so nothing here is late yet: the units' receipts
fall due on the next working day and show as due soon, and what the units did shows in the table
with today's date. Lateness itself is shown on a moved clock in tests/workflows/test_supervision.py.
"""

from __future__ import annotations

import csv
import io
import re

from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import ServedApp

SUPERVISOR = "giamsat"


def test_the_supervisor_sees_what_the_units_owe_and_what_they_did(served: ServedApp) -> None:
    d = DirectiveOverHttp(served)
    d.register()
    units = d.to_issue()
    done, acknowledged, waiting = units[0], units[1], units[2:]
    d.unit_carries_out(0, done)
    d.do(d.officer_of(acknowledged), "acknowledge", {"acknowledge_note": ""}, acknowledged)

    supervisor = d.browser(SUPERVISOR)
    board = supervisor.get("/supervision?within=2")
    assert board.status == 200, board.text
    # Every unit that has not acknowledged owes it by the next working day: due soon, not late.
    assert board.text.count("Tiếp nhận công văn</a>") == len(waiting), d.state()
    assert "Trễ " not in board.text

    table = supervisor.get(f"/supervision/cases/{d.case_id}/units?sort=accepted")
    assert table.status == 200
    today = d.today.strftime("%d/%m/%Y")
    first = re.search(r'<tr class="" data-unit="([^"]+)">(.*?)</tr>', table.text, re.S)
    assert first is not None and first.group(1) == done
    assert first.group(2).count(today) == 3  # acknowledged, reported and accepted today
    assert f"0/{len(units)} đơn vị đang trễ hạn" in table.text

    exported = supervisor.get(f"/supervision/cases/{d.case_id}/units.csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][0] == "Đơn vị" and len(rows) == 1 + len(units)

    officer = d.browser(d.officer_of(waiting[0]))
    assert officer.get("/supervision").status == 403

"""An agency that works as a collective body (a People's Committee) signs on its behalf first (ND30 Phụ lục I).

The chart's ``collective_body`` setting puts "TM. <body>" above the signer's usual titles, whoever signs.
"""

from __future__ import annotations

import pytest

from workflows.directive.document import signature_block

BODY = "Ủy ban nhân dân"


@pytest.mark.parametrize(
    ("capacity", "own", "expected"),
    [
        (None, "Chủ tịch", ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Bế Thị Ngân")),
        ("KT.", "Phó Chủ tịch", ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Bế Thị Ngân")),
        ("Q.", "Phó Chủ tịch", ("TM. ỦY BAN NHÂN DÂN", "Q. CHỦ TỊCH", "Bế Thị Ngân")),
        # A signer whose own mark is TM. already names the collective: it is not written twice.
        ("TM.", "Phó Chủ tịch", ("TM. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Bế Thị Ngân")),
    ],
)
def test_a_collective_body_signs_first(capacity: str | None, own: str, expected: tuple[str, ...]) -> None:
    assert signature_block(capacity, "Chủ tịch", own, "Bế Thị Ngân", BODY) == expected


def test_without_a_collective_body_nothing_is_added() -> None:
    assert signature_block("KT.", "Chủ tịch", "Phó Chủ tịch", "Bế Thị Ngân") == (
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Bế Thị Ngân",
    )

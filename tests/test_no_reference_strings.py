"""No name, code, number or user of the reference organisation and its letter in the product's code.

The reference case is the first customer, not the product: its strings belong in data files (any
folder named ``data``) and in the tests. Scans every .py, .html and .bpmn file of engine/,
workflows/ and web/.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "workflows", "web")
SUFFIXES = {".py", ".html", ".bpmn"}

#: The reference organisation, its divisions, its letter and its demo users.
REFERENCE_STRINGS = (
    "Lạng Sơn",
    "Lang Son",
    "langson",
    "lang_son",
    "SVHTTDL",
    "QLVHGD",
    "QLVHGĐ",
    "QLVH&GĐ",
    "2104-CV",
    "BTGTU",
    "Phan Văn Hòa",
)
REFERENCE_USERS = (
    "vanthu",
    "giamdoc",
    "pgd.hoa",
    "pgd.lan",
    "tp.qlvhgd",
    "cv.hvd",
    "cv.ntm",
    "vp.thethuc",
    "giamsat",
    "kiemtra",
    "quantri",
)
PATTERN = re.compile(
    "|".join(
        [re.escape(unicodedata.normalize("NFC", s)) for s in REFERENCE_STRINGS]
        + [rf"(?<![\w.]){re.escape(user)}(?![\w])" for user in REFERENCE_USERS]
    ),
    re.IGNORECASE,
)


def _scanned() -> list[Path]:
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*") if p.suffix in SUFFIXES]
    return sorted(p for p in files if "data" not in p.relative_to(ROOT).parts and "__pycache__" not in p.parts)


def _hits(path: Path) -> list[str]:
    text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for number, line in enumerate(text.splitlines(), start=1)
        for match in PATTERN.finditer(line)
    ]


def test_the_scan_sees_the_product_and_catches_a_reference_string(tmp_path: Path) -> None:
    assert len(_scanned()) > 100
    planted = tmp_path / "planted.py"
    planted.write_text('PLACE = "Lạng Sơn"\nUSER = "cv.hvd"\nOK = "cv.hvdx"\n', encoding="utf-8")
    text = planted.read_text(encoding="utf-8")
    assert [m.group(0) for m in PATTERN.finditer(text)] == ["Lạng Sơn", "cv.hvd"]


def test_no_reference_string_in_code_outside_data_files() -> None:
    hits = [hit for path in _scanned() for hit in _hits(path)]
    assert hits == [], "reference strings in code (move them to a data file):\n" + "\n".join(hits)

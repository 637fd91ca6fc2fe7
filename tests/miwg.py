"""The BPMN Model Interchange Working Group's reference models, read where the project's shared folder keeps them.

They live beside the repository (`../shared/bpmn-miwg/`, see its SOURCE.md) and are never copied into
it; a test that needs them skips, saying why, when that folder is absent (a fresh clone elsewhere).
All of them are drawn as descriptive models (isExecutable="false"); `as_executable` gives the file a
user would upload after marking its processes executable, so that the engine's own checks meet them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from web.core.settings import PROJECT_ROOT

MIWG_DIR = PROJECT_ROOT.parent / "shared" / "bpmn-miwg"


def models() -> list[Any]:
    """One pytest param per reference model, or one skipped param saying why there are none."""
    paths = sorted(MIWG_DIR.glob("*.bpmn")) if MIWG_DIR.is_dir() else []
    if not paths:
        reason = f"the BPMN MIWG reference models are not beside the repository ({MIWG_DIR} is absent)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="miwg-absent")]
    return [pytest.param(path, id=path.stem) for path in paths]


def paths() -> list[Path]:
    """The reference models; the calling test is skipped, saying why, when the folder is absent."""
    found = sorted(MIWG_DIR.glob("*.bpmn")) if MIWG_DIR.is_dir() else []
    if not found:
        pytest.skip(f"the BPMN MIWG reference models are not beside the repository ({MIWG_DIR} is absent)")
    return found


def as_executable(xml: bytes) -> bytes:
    """The file with every process marked executable, as a user would mark it to run it."""
    return xml.replace(b'isExecutable="false"', b'isExecutable="true"')


def element_ids(xml: bytes) -> set[str]:
    """Every id an element of the file carries."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml, parser=parser)
    return {element.get("id") for element in root.iter() if isinstance(element.tag, str) and element.get("id")}

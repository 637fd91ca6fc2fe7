"""Without Chromium the browser tests say how to install it; under CI they fail instead of skipping."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import require_chromium

pytestmark = pytest.mark.e2e


def test_a_missing_browser_skips_with_how_to_install_it(tmp_path: Path) -> None:
    """A developer without Chromium is told which package to install."""
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install chromium"):
        require_chromium(tmp_path / "chromium", {})


def test_a_missing_browser_fails_under_ci(tmp_path: Path) -> None:
    """CI=true means the browser tests must run: a missing Chromium is a failure, not a skip."""
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install chromium"):
        require_chromium(tmp_path / "chromium", {"CI": "true"})


def test_a_present_browser_lets_the_tests_run(tmp_path: Path) -> None:
    """With the browser in place nothing is skipped."""
    browser = tmp_path / "chromium"
    browser.touch()
    require_chromium(browser, {"CI": "true"})

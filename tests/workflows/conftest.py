"""Fixtures for the domain layer: the org-chart tables and the Lạng Sơn 2023 chart loaded."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

# Imported for its side effect: the session-wide create_all must see the org-chart tables.
import workflows.orgchart.models  # noqa: F401
from workflows.orgchart.loader import DEFAULT_CHART, LoadSummary, load_org_chart


@pytest.fixture
def org_chart(db_session: Session) -> LoadSummary:
    """The seed org chart loaded into the test's session."""
    return load_org_chart(db_session, DEFAULT_CHART)

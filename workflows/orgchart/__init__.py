"""The organisation chart as data: units, recipient groups, users and their roles."""

from __future__ import annotations


class OrgChartError(Exception):
    """An org-chart entry is invalid or refers to something that does not exist."""

    def __init__(self, entry: str, problem: str) -> None:
        super().__init__(f"{entry}: {problem}")
        self.entry = entry
        self.problem = problem

"""Fixtures of the administrators' pages: the invented Sở with an auditor of its own, as the auditors' tests use it."""

from tests.web.audit.conftest import invented_app

__all__ = ["invented_app"]

"""Fixtures of the deployment tests: `directive-flow serve` as a real process group (tests/served.py)."""

from tests.served import served

__all__ = ["served"]

"""Benchmarks with their own runner (`python -m bench`), not part of the test run."""

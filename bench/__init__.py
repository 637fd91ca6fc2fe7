"""Benchmarks with their own runner (`python -m bench`), not part of the test run.

`python -m bench.inbox` measures Việc cần xử lý with 10,000 open cases, served by gunicorn
(issue 3); `python -m bench.populate --keep FILE` makes such a database on its own, and
`python -m bench.inbox --database FILE` serves a copy of it instead of populating again.
"""

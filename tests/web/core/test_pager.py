"""The pager every list shares: a list of thousands of pages shows a handful of links, keeps the
filters in each, and marks the page shown; a list of one page shows none."""

from __future__ import annotations

import re

from flask import Flask, render_template_string

PAGER = '{% from "_pager.html" import pager %}{{ pager("inbox.index", page, pages) }}'


def _render(app: Flask, page: int, pages: int, query: str = "") -> str:
    with app.test_request_context(f"/inbox/?{query}"):
        return render_template_string(PAGER, page=page, pages=pages)


def test_a_long_list_shows_the_pages_around_the_one_shown_and_its_ends(app: Flask) -> None:
    html = _render(app, 500, 20_000, "q=b%C3%A1o+c%C3%A1o&sort=due")
    numbers = [int(n) for n in re.findall(r">(\d+)</(?:a|span)>", html)]
    assert numbers == [1, 498, 499, 500, 501, 502, 20_000]
    assert html.count("…") == 2
    assert '<span aria-current="page">500</span>' in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    links = re.findall(r'href="([^"]+)"', html)
    assert len(links) == 8  # previous, six pages, next
    assert all("q=b%C3%A1o+c%C3%A1o" in link and "sort=due" in link for link in links)
    assert any("page=499" in link for link in links)


def test_the_first_and_last_pages_have_no_link_beyond_them(app: Flask) -> None:
    first = _render(app, 1, 3)
    assert 'rel="prev"' not in first and 'rel="next"' in first and "…" not in first
    assert [int(n) for n in re.findall(r">(\d+)</(?:a|span)>", first)] == [1, 2, 3]
    last = _render(app, 3, 3)
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_a_single_page_has_no_pager(app: Flask) -> None:
    assert "pager" not in _render(app, 1, 1)

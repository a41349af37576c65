"""axe-core over every page of the built book, in the same headless Chromium as the browser tests.

A file of its own so that pytest-xdist can run it on one worker while the other runs the rebuild
checks (see LONGEST_FIRST in conftest.py).
"""
from __future__ import annotations

import pytest

import pageweight
from conftest import HTML

PAGES = pageweight.html_pages(HTML) if HTML.is_dir() else []


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.mark.parametrize("page", PAGES)
def test_no_serious_or_critical_accessibility_violation(browser, book_server, axe, page):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    tab = context.new_page()
    try:
        tab.goto(f"{book_server}/{page}", wait_until="load")
        if tab.evaluate(pageweight.CHARTS_DRAWN) is None:
            pytest.fail(f"{page}: a chart did not draw; the page cannot be checked as readers see it")
        if tab.evaluate(pageweight.CHARTS_LIVE) is None:  # checked as it ends up: Vega's redrawn charts
            pytest.fail(f"{page}: Vega did not redraw every chart; the page cannot be checked as readers see it")
        # axe-core may fetch what the page refers to again to check it: those requests are its
        # own, so this visit does not watch the network (tests/test_browser.py does).
        violations = [v for v in axe.run(tab).response["violations"] if v["impact"] in ("serious", "critical")]
    finally:
        context.close()
    assert not violations, f"{page}: accessibility violations: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}" for v in violations)

"""Every page of the built book in headless Chromium: charts draw, nothing errors, nothing leaves,
and axe-core finds no serious or critical accessibility violation.

Each page is opened once for both checks (a page load and Vega's redraw cost about as much as
the checks themselves): ``visit_once`` records what the checks need, and each check asserts on it.
"""
from __future__ import annotations

import pytest

from bookbuild import pageweight
from conftest import HTML


PAGES = pageweight.html_pages(HTML)  # from the table of contents: the book need not be built yet


def visit(browser, base_url: str, page: str):
    """Open a page with every non-local request aborted and recorded; return what happened."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    tab = context.new_page()
    seen = {"external": [], "console_errors": [], "page_errors": [], "failed": []}

    def route(request_route):
        url = request_route.request.url
        if url.startswith(base_url + "/") or url.startswith("data:") or url.startswith("blob:"):
            request_route.continue_()
        else:
            seen["external"].append(url)
            request_route.abort()

    context.route("**/*", route)
    seen["finished"] = []
    tab.on("console", lambda msg: msg.type == "error" and seen["console_errors"].append(msg.text))
    tab.on("pageerror", lambda exc: seen["page_errors"].append(str(exc)))
    tab.on("requestfailed", lambda req: seen["failed"].append(req.url))
    tab.on("requestfinished", lambda req: seen["finished"].append(req))
    seen["http_errors"] = []
    tab.on("response", lambda response: response.status >= 400 and seen["http_errors"].append(
        f"{response.status} {response.url}"))
    tab.goto(f"{base_url}/{page}", wait_until="load")
    return context, tab, seen


def test_the_browser_is_a_version_the_book_was_checked_with(browser):
    from conftest import CHROMIUM_CHECKED

    major = int(browser.version.split(".", 1)[0])
    low, high = CHROMIUM_CHECKED
    assert low <= major <= high, (
        f"Chromium {browser.version} is outside the major versions the suite was checked with "
        f"({low} to {high}, CHROMIUM_CHECKED in tests/conftest.py): if every other test passes, widen the range")


def test_the_book_has_pages(built_book):
    assert PAGES, "no built pages found; run make book"
    assert "intro.html" in PAGES
    assert 'url=intro.html' in (HTML / "index.html").read_text(encoding="utf-8"), "index.html must lead to the book"


#: The bytes a page may transfer on its first load. How fast a page paints and draws its charts is
#: timed by `make bench` (bookbuild/bench.py), not here: a stopwatch in the gate fails on a busy machine.
FIRST_LOAD_BUDGET_BYTES = 1_500_000


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(scope="module")
def visits(browser, book_server, axe):
    """``visits(page)``: what one visit of the page saw, the first time it is asked for; kept for
    the other checks of that page."""
    seen_pages = {}

    def visit_once(page: str) -> dict:
        if page not in seen_pages:
            seen_pages[page] = _watched_and_checked_visit(browser, book_server, axe, page)
        return seen_pages[page]

    return visit_once


def _watched_and_checked_visit(browser, book_server, axe, page: str) -> dict:
    """Open the page at desktop width, wait until every chart is drawn and Vega has redrawn it,
    note chart errors and what the network and console saw; then run axe-core on the page as it
    ends up. axe-core may fetch what the page refers to again to check it: those requests are its
    own, so what the network saw is taken before axe runs."""
    context, tab, seen = visit(browser, book_server, page)
    try:
        seen["drawn"] = tab.evaluate(pageweight.CHARTS_DRAWN)
        seen["live"] = tab.evaluate(pageweight.CHARTS_LIVE) if seen["drawn"] is not None else None
        charts = tab.locator("div[id^='altair-viz-']")
        seen["chart_errors"] = [index for index in range(charts.count())
                                if charts.nth(index).locator(".error").count()]
        tab.wait_for_timeout(200)  # let late console messages and requests arrive
        seen["transferred"] = pageweight.transferred_bytes(seen["finished"])
        seen["vega_embed"] = tab.evaluate("() => typeof window.vegaEmbed === 'function'")  # what redrew the charts
        seen = {key: list(value) if isinstance(value, list) else value for key, value in seen.items()}
        seen["violations"] = None  # not checked: the page is not as readers see it
        if seen["live"] is not None:
            seen["violations"] = [v for v in axe.run(tab).response["violations"]
                                  if v["impact"] in ("serious", "critical")]
        tab.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        seen["wide_tables"] = tab.evaluate(WIDE_TABLES)
    finally:
        context.close()
    return seen


@pytest.mark.parametrize("page", PAGES)
def test_page_draws_every_chart_with_no_error_and_no_external_request(visits, page):
    """Charts draw, nothing errors, nothing leaves the book, and the first load fits the byte budget."""
    seen = visits(page)
    drawn = seen["drawn"]
    assert drawn is not None, f"{page}: a chart did not draw within 10 s"
    assert seen["live"] is not None, f"{page}: Vega did not redraw every chart within 20 s"
    assert not seen["chart_errors"], f"{page}: charts {seen['chart_errors']} show an error"
    assert not seen["external"], f"{page}: requests left the book: {seen['external']}"
    assert not seen["page_errors"], f"{page}: page errors: {seen['page_errors']}"
    assert not seen["http_errors"], f"{page}: HTTP errors: {seen['http_errors']}"
    assert not seen["console_errors"], f"{page}: console errors: {seen['console_errors']}"
    assert not seen["failed"], f"{page}: failed requests: {seen['failed']}"
    assert not any("fontawesome" in r.url for r in seen["finished"]), f"{page}: loads the Font Awesome script"
    has_charts = "altair-viz-" in (HTML / page).read_text(encoding="utf-8")
    assert has_charts == any("vega-bundle" in r.url for r in seen["finished"]), \
        f"{page}: the Vega bundle must load exactly on pages with charts"
    transferred = seen["transferred"]
    assert transferred < FIRST_LOAD_BUDGET_BYTES, f"{page}: first load is {transferred / 1e6:.2f} MB"


#: Each table, every fold open, that is wider than the element holding it: its columns would sit
#: out of sight behind a scrollbar at the table's foot.
WIDE_TABLES = """() => [...document.querySelectorAll('article table')].filter(t => t.getClientRects().length)
  .map(t => [t.parentElement.clientWidth, t.parentElement.scrollWidth,
             (t.querySelector('th') || t).textContent.trim().slice(0, 40)])
  .filter(([shown, whole]) => whole > shown + 1)"""


@pytest.mark.parametrize("page", PAGES)
def test_no_table_hides_a_column_on_a_desktop(visits, page):
    """At 1280 px, with every fold open, each table fits the text column: none scrolls sideways."""
    wide = visits(page)["wide_tables"]
    assert not wide, f"{page}: tables wider than their column (shown, whole width, first header): {wide}"


@pytest.mark.parametrize("page", PAGES)
def test_no_serious_or_critical_accessibility_violation(visits, page):
    """axe-core on the page as readers end up seeing it: after Vega has redrawn every chart."""
    seen = visits(page)
    if seen["drawn"] is None or seen["live"] is None:
        pytest.fail(f"{page}: a chart was not drawn or not redrawn by Vega; the page cannot be checked as readers see it")
    violations = seen["violations"]
    assert not violations, f"{page}: accessibility violations: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}" for v in violations)


def test_chart_pages_redraw_with_the_vendored_vega(visits):
    """Vega-Embed from the vendored bundle (vl-convert's, for Altair's Vega-Lite version: checked by
    tests/test_package.py) redraws the charts on every page that has any, and only there."""
    chart_pages = [p for p in PAGES if "altair-viz-" in (HTML / p).read_text(encoding="utf-8")]
    assert chart_pages, "no page of the book has a chart"
    for page in PAGES:
        seen = visits(page)
        if page in chart_pages:
            assert seen["live"] is not None, f"{page}: Vega did not redraw the charts"
            assert seen["vega_embed"], f"{page}: no Vega-Embed on a page with charts"
        else:
            assert not seen["vega_embed"], f"{page}: Vega-Embed loaded on a page without charts"


def test_chart_tooltips_name_the_source(browser, book_server):
    """Hovering a timeline mark shows a tooltip that names the source of the event."""
    context, tab, _ = visit(browser, book_server, "chapters/what-it-is.html")
    try:
        chart = tab.locator("#fig-development-timeline .evidence-chart-live")  # the layout the page shows
        chart.wait_for(state="attached", timeout=20_000)
        chart.scroll_into_view_if_needed()
        mark = chart.locator("svg g.mark-symbol path").first
        mark.wait_for(state="visible", timeout=5_000)
        tooltip = tab.locator("#vg-tooltip-element")
        for _ in range(3):  # a hover that lands before the section is laid out shows nothing: move and retry
            mark.hover(force=True)
            try:
                tooltip.wait_for(state="visible", timeout=2_000)
                break
            except Exception:
                tab.mouse.move(0, 0)
        text = tooltip.inner_text()
    finally:
        context.close()
    assert "Source" in text and "Kind of source" in text, text


def test_pk_explorer_control_changes_the_drawn_curve(browser, book_server):
    """The half-life control is a Vega-Lite parameter: choosing another half-life redraws the line."""
    context, tab, seen = visit(browser, book_server, "chapters/dosing.html")
    try:
        chart = tab.locator("#fig-pk-explorer div[id^='altair-viz-']")
        tab.locator("#fig-pk-explorer .evidence-chart-live").wait_for(state="attached", timeout=20_000)
        chart.scroll_into_view_if_needed()  # sections off screen are not laid out until a reader comes near
        select = chart.locator("select")
        options = [" ".join(t.split()) for t in select.locator("option").all_text_contents()]
        assert len(options) >= 5, options

        def drawn():
            return chart.locator("svg path[aria-roledescription='line mark'], svg g.mark-line path").evaluate_all(
                "paths => paths.map(p => p.getAttribute('d')).join('|')")

        before = drawn()
        select.select_option(label=options[-1])
        tab.wait_for_timeout(300)
        after = drawn()
        note = tab.evaluate(
            "() => Array.from(document.querySelectorAll('#fig-pk-explorer svg text')).map(t => t.textContent).join(' ')")
    finally:
        context.close()
    assert before and after and before != after, "changing the half-life did not redraw the curve"
    assert "Before the last dose" in note
    assert not seen["page_errors"], seen["page_errors"]


def test_every_chart_is_drawn_without_javascript(browser, book_server):
    """Each chart is in the page as an SVG drawn at build time: with scripts off (or before they
    arrive on a slow phone) every chart is there, with its description for screen readers. A
    chart drawn in two layouts shows one of them."""
    chart_pages = [p for p in PAGES if "altair-viz-" in (HTML / p).read_text(encoding="utf-8")]
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        tab = context.new_page()
        for page in chart_pages:
            tab.goto(f"{book_server}/{page}", wait_until="load")
            figures = tab.locator("figure:has(div[id^='altair-viz-'])").count()
            charts = tab.locator("div[id^='altair-viz-']")
            shown = [charts.nth(i) for i in range(charts.count())
                     if charts.nth(i).evaluate("c => c.getClientRects().length > 0")]  # not a layout hidden by a media query
            assert figures and len(shown) == figures, f"{page}: {len(shown)} charts shown in {figures} figures"
            for index, chart in enumerate(shown):
                chart.scroll_into_view_if_needed()
                box = chart.locator("svg").first.bounding_box()
                assert box and box["width"] > 100 and box["height"] > 50, f"{page}: chart {index} is not drawn"
                assert chart.locator("svg text").count() > 0, f"{page}: chart {index} has no text"
                assert len(chart.get_attribute("aria-label") or "") > 20, f"{page}: chart {index} has no description"
    finally:
        context.close()


def test_claims_ledger_filter_narrows_the_rows(browser, book_server):
    """Choosing a verdict shows exactly the claims with that verdict; 'all' shows every claim again."""
    from evidence.data import load_table

    claims = load_table("claims")
    verdict = "contradicted" if (claims["verdict"] == "contradicted").any() else claims["verdict"].iloc[0]
    context, tab, seen = visit(browser, book_server, "chapters/claims.html")
    try:
        box = tab.locator("#claims-ledger-filter")
        box.wait_for(timeout=5_000)
        table = tab.locator("table", has=tab.locator("th", has_text="Discussed in"))
        visible = lambda: table.locator("tbody tr:not([hidden])").count()  # noqa: E731
        total = visible()
        box.locator("select[data-column='Verdict']").select_option(verdict)
        narrowed = visible()
        status_line = box.locator("[data-role='status']")
        status_line.scroll_into_view_if_needed()  # what a reader sees: sections off screen are not laid out
        tab.wait_for_function("s => s.innerText.trim() !== ''", arg=status_line.element_handle(), timeout=5_000)
        status = status_line.inner_text()
        box.locator("select[data-column='Verdict']").select_option("")
        restored = visible()
    finally:
        context.close()
    assert total == len(claims)
    assert narrowed == int((claims["verdict"] == verdict).sum()) < total
    assert status == f"{narrowed} of {total} claims shown"
    assert restored == total
    assert not seen["page_errors"] and not seen["console_errors"]

"""The book on a 390 px phone: no sideways scrolling, the claims ledger read as cards with each
claim reachable by its stable link, and every chart drawn whole within the screen, readable."""
from __future__ import annotations

import pytest

import pageweight
from conftest import HTML

PHONE = {"width": 390, "height": 844}
PAGES = ["intro.html", "chapters/claims.html", "chapters/adhd-trials.html", "chapters/what-it-is.html"]


def open_on_phone(browser, base_url: str, page: str):
    context = browser.new_context(viewport=PHONE, service_workers="block")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url + "/") else r.abort())
    tab = context.new_page()
    tab.goto(f"{base_url}/{page}", wait_until="load")
    return context, tab


@pytest.mark.parametrize("page", PAGES)
def test_no_sideways_scrolling_at_390_px(browser, book_server, page):
    context, tab = open_on_phone(browser, book_server, page)
    try:
        width = tab.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{page} scrolls sideways on a phone: {width} px wide"
    finally:
        context.close()


def test_a_claim_link_opens_that_claim_as_a_card(browser, book_server):
    context, tab = open_on_phone(browser, book_server, "chapters/claims.html#C15")
    try:
        tab.wait_for_timeout(300)
        card = tab.evaluate("""() => {
            const a = document.getElementById('C15');
            const row = a.closest('tr');
            const box = row.getBoundingClientRect();
            return {display: getComputedStyle(row).display, top: box.top, bottom: box.bottom, width: box.width,
                    text: row.innerText, viewport: innerHeight};
        }""")
        assert card["display"] == "block", "the ledger's rows are not cards on a phone"
        assert card["width"] <= PHONE["width"]
        assert 0 <= card["top"] < card["viewport"], "the linked claim is not in view"
        assert "C15" in card["text"]
        labels = tab.evaluate("""() => {
            const table = document.getElementById('C15').closest('table');
            const headers = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
            const cells = [...document.getElementById('C15').closest('tr').children];
            return {headers, labels: cells.map(td => getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''))};
        }""")
        assert labels["labels"] == labels["headers"], "a card's labels do not match the ledger's column headers"
    finally:
        context.close()


def test_chapter_claim_lists_link_to_the_ledger(browser, book_server):
    context, tab = open_on_phone(browser, book_server, "chapters/adhd-trials.html")
    try:
        link = tab.locator("a.claim-link", has_text="C15")
        assert link.count() == 1
        link.click()
        tab.wait_for_url("**/claims.html#C15")
        assert tab.evaluate("document.getElementById('C15') !== null")
        cards = tab.evaluate("[...document.querySelectorAll('a.claim-link')].length")
        assert cards == 0
    finally:
        context.close()


#: Every page that holds a chart (its Vega-Lite specification travels beside the drawing).
CHART_PAGES = sorted(p for p in pageweight.html_pages(HTML) if "evidence-chart-spec" in (HTML / p).read_text(
    encoding="utf-8")) if HTML.is_dir() else []
#: The smallest text a chart may draw on a phone, in CSS pixels as rendered (font size times any
#: scaling of the SVG): a chart scaled down to fit would fail here.
SMALLEST_CHART_TEXT_PX = 10

#: What a chart shows on the screen: the drawing shown (a media query may hide another), its box and
#: how much it is scaled from its own size, the width of the element holding it, every element of
#: the chart that scrolls sideways or reaches past it (a control too), and the smallest text of the
#: drawing as rendered.
DRAWN_CHART = """chart => {
  const svgs = [...chart.querySelectorAll("svg")].filter(s => s.getClientRects().length && !s.parentElement.closest("svg"));
  const svg = svgs[0];
  const box = svg ? svg.getBoundingClientRect() : null;
  const sideways = [chart, ...chart.querySelectorAll("*")].filter(e => e.scrollWidth > e.clientWidth + 1
      && e.clientWidth > 0 && getComputedStyle(e).overflowX !== "visible")
    .map(e => `${e.tagName.toLowerCase()}.${e.getAttribute("class") || ""}: ${e.scrollWidth} px in ${e.clientWidth} px`);
  const sizes = svg ? [...svg.querySelectorAll("text")].filter(t => t.textContent.trim()).map(t => {
    const m = t.getScreenCTM();
    return {px: parseFloat(getComputedStyle(t).fontSize) * (m ? Math.hypot(m.a, m.b) : 1), text: t.textContent};
  }) : [];
  const column = chart.getBoundingClientRect();
  const outside = [...chart.querySelectorAll("*")].filter(e => !e.closest("svg") || e.tagName.toLowerCase() === "svg")
    .filter(e => e.getClientRects().length).map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.width && (r.left < column.left - 0.5 || r.right > column.right + 0.5))
    .map(([e, r]) => `${e.tagName.toLowerCase()}.${e.getAttribute("class") || ""}: ${Math.round(r.left)} to ${Math.round(r.right)} px`);
  const own = svg ? (svg.viewBox.baseVal && svg.viewBox.baseVal.width) || parseFloat(svg.getAttribute("width")) : null;
  return {id: (chart.closest("figure") || chart).id, live: chart.classList.contains("evidence-chart-live"),
          shown: svgs.length, left: box && box.left, right: box && box.right, width: box && box.width,
          scale: own ? box.width / own : null,
          container: chart.clientWidth, container_right: column.right, sideways, outside,
          smallest: sizes.reduce((a, b) => (a && a.px <= b.px ? a : b), null)};
}"""


#: Whether the page shows an element (a media query may hide a chart's other layout). Not
#: Playwright's "visible": an element in a section not yet laid out (content-visibility) is not.
SHOWN = "element => element.getClientRects().length > 0"


def drawn_charts(tab) -> list[dict]:
    """Each chart shown, scrolled into view (sections out of view are not laid out), then measured.
    A chart drawn in two layouts shows one: every figure shows one chart."""
    charts = tab.locator("div.evidence-chart")
    measured = []
    for index in range(charts.count()):
        chart = charts.nth(index)
        if chart.evaluate(SHOWN):
            chart.scroll_into_view_if_needed()
            measured.append(chart.evaluate(DRAWN_CHART))
    figures = tab.locator("figure:has(div.evidence-chart)").count()
    assert sorted(c["id"] for c in measured) == sorted(set(c["id"] for c in measured)) and len(measured) == figures, \
        f"{len(measured)} charts shown in {figures} figures: {[c['id'] for c in measured]}"
    return measured


def chart_fit_problems(page: str, charts: list[dict], screen_width: int = PHONE["width"]) -> list[str]:
    problems = []
    for chart in charts:
        name = f"{page} {chart['id']}{' (live)' if chart['live'] else ''}"
        if chart["shown"] != 1:
            problems.append(f"{name}: {chart['shown']} drawings shown, not one")
            continue
        if chart["width"] > chart["container"] + 0.5 or chart["right"] > chart["container_right"] + 0.5:
            problems.append(f"{name}: drawn {chart['width']:.0f} px wide in a {chart['container']} px column")
        if chart["left"] < -0.5 or chart["right"] > screen_width + 0.5:
            problems.append(f"{name}: drawn from {chart['left']:.0f} to {chart['right']:.0f} px on a "
                            f"{screen_width} px screen")
        if chart["scale"] is not None and chart["scale"] < 0.99:
            problems.append(f"{name}: scaled down to {100 * chart['scale']:.0f} % of its size to fit")
        if chart["sideways"]:
            problems.append(f"{name}: scrolls sideways: {chart['sideways']}")
        if chart["outside"]:
            problems.append(f"{name}: reaches past its column: {chart['outside'][:5]}")
        if chart["smallest"] and chart["smallest"]["px"] < SMALLEST_CHART_TEXT_PX - 0.01:
            problems.append(f"{name}: text drawn at {chart['smallest']['px']:.1f} px: {chart['smallest']['text']!r}")
    return problems


@pytest.mark.parametrize("page", CHART_PAGES)
def test_every_chart_fits_a_phone_and_is_readable(browser, book_server, page):
    """At 390 px, each chart as drawn at build time (scripts off) and as Vega redraws it is no wider
    than its column and the screen, drawn at its own size (not scaled down to fit), nothing in it
    scrolls sideways, and no text in it is drawn smaller than 10 px."""
    problems = []
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(f"{book_server}/{page}", wait_until="load")
        static = drawn_charts(tab)
        assert static and not any(c["live"] for c in static), f"{page}: no static chart measured"
        problems += chart_fit_problems(page, static)
    finally:
        context.close()
    context, tab = open_on_phone(browser, book_server, page)
    try:
        assert tab.evaluate(pageweight.CHARTS_LIVE) is not None, f"{page}: Vega did not redraw every chart"
        live = drawn_charts(tab)
        assert live and all(c["live"] for c in live), f"{page}: not every chart was redrawn by Vega"
        assert [c["id"] for c in live] == [c["id"] for c in static], f"{page}: other charts shown once Vega ran"
        problems += chart_fit_problems(page, live)
    finally:
        context.close()
    assert not problems, "charts that do not fit a phone:\n" + "\n".join(problems)


#: Screens where a chart drawn in two layouts shows the wider one (_static/book.css): from the
#: narrowest (700 px, and 1200 px, where the side bars leave the text column 608 px) to a desktop's.
WIDER_SCREENS = (700, 1200, 1280)


@pytest.mark.parametrize("width", WIDER_SCREENS)
def test_every_chart_fits_its_column_on_wider_screens(browser, book_server, width):
    """Each chart as drawn at build time fits its column, at its own size, on wider screens too."""
    problems = []
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    try:
        tab = context.new_page()
        for page in CHART_PAGES:
            tab.goto(f"{book_server}/{page}", wait_until="load")
            problems += chart_fit_problems(page, drawn_charts(tab), screen_width=width)
    finally:
        context.close()
    assert not problems, f"charts that do not fit a {width} px screen:\n" + "\n".join(problems)

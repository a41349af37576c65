"""The book on a 390 px phone, used as a reader uses it: both menus open and jump, the plain answer
is on the first screen, no table column runs off the screen, every chart is drawn whole and readable within its column, no page is longer than about
35 screens, a glossary word opens in place, and the claims read as cards with stable links.

Each page is opened once (``phone_visit``): what the checks need is recorded in that one visit."""
from __future__ import annotations

import pytest

from bookbuild import pageweight
from bookbuild.pages import page_sources, chart_pages, html_pages
from conftest import HTML

PHONE = {"width": 390, "height": 844}
PAGES = pageweight.html_pages(HTML)  # from the table of contents: the book need not be built yet
#: The pages the table of contents lists (the search and index pages have no chapter menu of their own).
BOOK_PAGES = html_pages()
#: A page longer than this many phone screens, with its folds closed, is too long to use.
MAX_SCREENS = 35


def open_on_phone(browser, base_url: str, page: str):
    context = browser.new_context(viewport=PHONE, service_workers="block")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url + "/") else r.abort())
    tab = context.new_page()
    tab.goto(f"{base_url}/{page}", wait_until="load")
    return context, tab


#: What a phone reader meets on a page: its length, sideways scrolling, and what both menus do.
_MEASURE = """() => {
  const tables = [...document.querySelectorAll("article table")];
  return {
    screens: document.scrollingElement.scrollHeight / innerHeight,
    width: document.scrollingElement.scrollWidth,
  };
}"""
#: Every fold opened: each table's right edge and its own width against the screen and its box.
_TABLES = """() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  return [...document.querySelectorAll("article table")].map(table => {
    const box = table.getBoundingClientRect();
    const holder = table.parentElement;
    const firstRow = table.querySelector("tbody tr");
    return {
      headers: [...table.querySelectorAll("thead th")].map(th => th.textContent.trim()),
      right: box.right, width: box.width, scroll: table.scrollWidth, client: table.clientWidth,
      holderScroll: holder.scrollWidth, holderClient: holder.clientWidth,
      rowDisplay: firstRow ? getComputedStyle(firstRow).display : null,
      labels: firstRow ? [...firstRow.querySelectorAll(".cell-label")].map(l => l.textContent.trim()) : [],
      labelShown: firstRow && firstRow.querySelector(".cell-label")
        ? getComputedStyle(firstRow.querySelector(".cell-label")).display !== "none" : null,
    };
  });
}"""


def _menus(tab) -> dict:
    seen = {}
    tab.locator(".primary-toggle:visible").first.click()
    primary = tab.locator("#pst-primary-sidebar-modal")
    tab.wait_for_function("() => document.getElementById('pst-primary-sidebar-modal').open", timeout=3_000)
    seen["chapters"] = primary.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    tab.keyboard.press("Escape")
    seen["primary_closed"] = tab.evaluate("() => !document.getElementById('pst-primary-sidebar-modal').open")
    sections = tab.locator("#pst-secondary-sidebar a.nav-link[href^='#']")
    seen["sections"] = sections.count()
    if seen["sections"]:
        tab.locator(".secondary-toggle:visible").first.click()
        tab.wait_for_function("() => document.getElementById('pst-secondary-sidebar-modal').open", timeout=3_000)
        links = tab.locator("#pst-secondary-sidebar-modal a.nav-link[href^='#']")
        last = links.nth(links.count() - 1)
        target = last.get_attribute("href")[1:]
        last.click()
        tab.wait_for_timeout(300)
        seen["jump"] = tab.evaluate("""id => {
          const target = document.getElementById(decodeURIComponent(id));
          return {closed: !document.getElementById('pst-secondary-sidebar-modal').open,
                  top: target.getBoundingClientRect().top, viewport: innerHeight};
        }""", target)
    return seen


@pytest.fixture(scope="module")
def phone_visit(browser, book_server):
    """``phone_visit(page)``: what one visit of the page at 390 px saw, asked for once per page."""
    seen_pages = {}

    def visit_once(page: str) -> dict:
        if page not in seen_pages:
            context, tab = open_on_phone(browser, book_server, page)
            try:
                seen = tab.evaluate(_MEASURE)
                seen["menus"] = _menus(tab) if page in BOOK_PAGES else None
                seen["tables"] = tab.evaluate(_TABLES)
            finally:
                context.close()
            seen_pages[page] = seen
        return seen_pages[page]

    return visit_once


@pytest.mark.parametrize("page", PAGES)
def test_no_sideways_scrolling_and_no_page_too_long(phone_visit, page):
    seen = phone_visit(page)
    assert seen["width"] <= PHONE["width"], f"{page} scrolls sideways on a phone: {seen['width']} px wide"
    assert seen["screens"] <= MAX_SCREENS, f"{page} is {seen['screens']:.1f} phone screens long (folds closed)"


@pytest.mark.parametrize("page", BOOK_PAGES)
def test_both_menus_open_and_the_page_menu_jumps(phone_visit, page):
    """The site menu lists every page of the book; the page menu's last entry lands in view and
    the menu closes."""

    menus = phone_visit(page)["menus"]
    names = {f.relative_to(HTML.parent.parent).with_suffix(".html").as_posix() for f in page_sources()}
    listed = {href.split("/", 3)[3].split("#")[0] for href in menus["chapters"]}
    assert names - {page} <= listed, f"{page}: the site menu lacks {sorted(names - {page} - listed)}"
    assert menus["primary_closed"], f"{page}: Escape did not close the site menu"
    if menus["sections"]:
        jump = menus["jump"]
        assert jump["closed"], f"{page}: the page menu stayed open after a jump"
        assert 0 <= jump["top"] < jump["viewport"], f"{page}: the jump landed {jump['top']:.0f} px from the top"


@pytest.mark.parametrize("page", PAGES)
def test_no_table_column_runs_off_the_screen(phone_visit, page):
    """With every fold open, every table fits the screen: a table of three or more columns reads
    as cards, each cell labelled with its column's header."""
    for number, table in enumerate(phone_visit(page)["tables"], start=1):
        where = f"{page}, table {number} ({', '.join(table['headers'][:4])})"
        assert table["right"] <= PHONE["width"] + 0.5, f"{where}: runs {table['right'] - PHONE['width']:.0f} px off the screen"
        assert table["scroll"] <= table["client"] + 1 and table["holderScroll"] <= table["holderClient"] + 1, \
            f"{where}: scrolls sideways inside its box"
        if len(table["headers"]) >= 3:
            assert table["rowDisplay"] == "block", f"{where}: its rows are not cards on a phone"
            assert table["labelShown"] and table["labels"] == table["headers"], \
                f"{where}: its cards' labels {table['labels']} are not its headers"


def test_the_plain_answer_is_on_the_first_screen(browser, book_server):
    context, tab = open_on_phone(browser, book_server, "intro.html")
    try:
        box = tab.evaluate("""() => {
          const first = document.querySelector("div.plain-answer p");
          const r = first.getBoundingClientRect();
          return {top: r.top, bottom: r.bottom, text: first.innerText, viewport: innerHeight};
        }""")
    finally:
        context.close()
    assert box["text"].startswith("Does it work for ADHD?")
    assert 0 <= box["top"] and box["bottom"] <= box["viewport"], f"the answer ends {box['bottom']:.0f} px down"


def test_a_glossary_word_opens_in_place(browser, book_server):
    context, tab = open_on_phone(browser, book_server, "chapters/side-effects.html")
    try:
        link = tab.locator("article a.glossary-term").first
        definition = link.get_attribute("title")
        address = tab.url
        link.scroll_into_view_if_needed()
        link.click()
        box = tab.locator(".term-popover")
        box.wait_for(state="visible", timeout=3_000)
        shown = box.inner_text()
        rect = box.bounding_box()
        stayed = tab.url == address
        tab.keyboard.press("Escape")
        closed = tab.locator(".term-popover").count() == 0
    finally:
        context.close()
    assert definition and definition in shown
    assert stayed, "tapping a glossary word left the page"
    assert rect["x"] >= 0 and rect["x"] + rect["width"] <= PHONE["width"]
    assert closed, "Escape did not close the definition"


def test_search_finds_a_percentage(browser, book_server):
    context, tab = open_on_phone(browser, book_server, "search.html?q=80%25")
    try:
        tab.wait_for_function("() => document.querySelector('#search-results p') && "
                              "/found/.test(document.querySelector('#search-results p').textContent)", timeout=10_000)
        found = tab.locator("#search-results li a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    finally:
        context.close()
    assert any("questions" in href for href in found), f"a search for 80% does not find the questions page: {found}"


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
    finally:
        context.close()


def test_chapter_claim_lists_link_to_the_ledger(browser, book_server):
    context, tab = open_on_phone(browser, book_server, "chapters/adhd-trials.html")
    try:
        link = tab.locator("a.claim-link", has_text="C15")
        assert link.count() == 1
        fold = tab.locator("details.folded", has=link)
        fold.locator("summary").click()
        link.click()
        tab.wait_for_url("**/claims.html#C15")
        assert tab.evaluate("document.getElementById('C15') !== null")
        assert tab.evaluate("[...document.querySelectorAll('a.claim-link')].length") == 0
    finally:
        context.close()


#: Every page that holds a chart (its Vega-Lite specification travels beside the drawing).
CHART_PAGES = chart_pages()  # from the pages' sources: the book need not be built yet
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

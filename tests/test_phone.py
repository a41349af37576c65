"""The book on a 390 px phone, used as a reader uses it: both menus open and jump, the plain answer
is on the first screen, no table column or chart runs off the screen, no page is longer than about
35 screens, a glossary word opens in place, and the claims read as cards with stable links.

Each page is opened once (``phone_visit``): what the checks need is recorded in that one visit."""
from __future__ import annotations

import pytest

import pageweight
from conftest import HTML

PHONE = {"width": 390, "height": 844}
PAGES = pageweight.html_pages(HTML) if HTML.is_dir() else []
#: The pages the table of contents lists (the search and index pages have no chapter menu of their own).
BOOK_PAGES = [p for p in PAGES if p not in ("search.html", "genindex.html")]
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
    from conftest import toc_files

    menus = phone_visit(page)["menus"]
    names = {f.relative_to(HTML.parent.parent).with_suffix(".html").as_posix() for f in toc_files()}
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

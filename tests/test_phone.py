"""The book on a 390 px phone: no sideways scrolling, and the claims ledger read as cards with
each claim reachable by its stable link."""
from __future__ import annotations

import pytest

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

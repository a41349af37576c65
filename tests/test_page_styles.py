"""Each page's styles inline (bookbuild.pagecss): what is left out, what is kept, and that a page
looks the same as with the stylesheets it was made from."""
from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from bookbuild import pageweight
from conftest import HTML, built_page
from bookbuild.pagecss import STYLESHEET_LINK, StylesheetError, inline_page_styles, required_names


def small_book(tmp_path, css: str, body: str, script: str = "") -> None:
    (tmp_path / "_static" / "styles").mkdir(parents=True)
    (tmp_path / "_static" / "base.css").write_text(".base-rule{color:red}\n.never-used-base{color:blue}", encoding="utf-8")
    (tmp_path / "_static" / "styles" / "theme.css").write_text(css, encoding="utf-8")
    (tmp_path / "_static" / "app.js").write_text(script, encoding="utf-8")
    (tmp_path / "chapters").mkdir()
    head = ('<link rel="stylesheet" type="text/css" href="../_static/styles/theme.css?v=1" />\n'
            '<link href="../_static/base.css" rel="stylesheet" />\n')
    (tmp_path / "chapters" / "page.html").write_text(f"<html><head>{head}</head><body>{body}</body></html>", encoding="utf-8")


def inlined(tmp_path) -> str:
    assert inline_page_styles(tmp_path) == ["chapters/page.html"]
    text = (tmp_path / "chapters" / "page.html").read_text(encoding="utf-8")
    return re.search(r"<style[^>]*>(.*?)</style>", text, re.DOTALL).group(1)


def test_required_names_ignore_pseudo_classes_attributes_and_negations():
    assert required_names("div.card > a#top:hover::before") == {"card", "top"}
    assert required_names(".nav:not(.hidden) [data-x='.y']") == {"nav"}
    assert required_names(":is(.a, .b) p") == frozenset()


def test_unused_rules_are_left_out_and_used_ones_kept_in_order(tmp_path):
    css = ('@import "../base.css";\n.used{margin:0}\n.unused{margin:1px}\n.used,.unused{padding:0}\n'
           '@media (max-width: 500px){.unused{x:1}.used{y:2}}\n@media print{.unused{z:3}}\n'
           '.added-by-script{color:green}\n:root{--v:1}\n@font-face{font-family:F;src:url(../fonts/f.woff2)}')
    small_book(tmp_path, css, '<p class="used base-rule">text</p>', script='el.classList.add("added-by-script")')
    style = inlined(tmp_path)
    assert ".base-rule{color:red}" in style and "never-used-base" not in style
    assert ".used{margin:0}" in style and ".unused{margin" not in style
    assert ".used{padding:0}" in style, "a selector list keeps the selectors that are used"
    assert "@media (max-width: 500px){.used{y:2}}" in style and "@media print" not in style
    assert ".added-by-script{color:green}" in style, "a class a script adds is kept"
    assert ":root{--v:1}" in style
    assert "url(../_static/fonts/f.woff2)" in style, "a url() points from the page to the file"
    assert style.index(".base-rule") < style.index(".used{margin"), "the imported file stands where it was imported"
    page = (tmp_path / "chapters" / "page.html").read_text(encoding="utf-8")
    assert not STYLESHEET_LINK.search(page)
    assert 'data-stylesheets="../_static/styles/theme.css ../_static/base.css"' in page, \
        "the stylesheets are named by their address, without a version query"
    assert inline_page_styles(tmp_path) == [], "a page already done is left as it is"


def test_a_missing_stylesheet_stops_with_the_page_and_file_named(tmp_path):
    small_book(tmp_path, '@import "missing.css";', "<p>x</p>")
    with pytest.raises(StylesheetError, match=r"chapters/page.html: stylesheet not found: _static/styles/missing.css"):
        inline_page_styles(tmp_path)


PAGES = pageweight.html_pages(HTML)  # from the table of contents: the book need not be built yet


def test_no_built_page_links_a_stylesheet(built_book):
    for page in PAGES:
        text = (built_book / page).read_text(encoding="utf-8")
        soup = BeautifulSoup(text[:text.index("</head>") + 7], "html.parser")
        assert not soup.select('link[rel="stylesheet"]'), f"{page} still links a stylesheet"
        styles = soup.head.select("style[data-stylesheets]")
        assert len(styles) == 1 and "pydata-sphinx-theme.css" in styles[0]["data-stylesheets"], page


#: The one script a page's head may load before the first paint: the tiny settings file that the
#: inline scripts after it extend (_templates/layout.html, rule 1).
FIRST_SCRIPT = "documentation_options.js"
FIRST_SCRIPT_MAX_BYTES = 1_000


def test_no_script_holds_up_the_first_paint(built_book):
    """What makes a page fast, checked on the built pages instead of timed: every script file a
    book page loads is deferred or async, but for the tiny settings file the inline scripts need
    (the phone timings themselves are measured by `make bench`). The search page is left as the
    theme writes it: its search script runs at once and needs the others first."""
    from urllib.parse import urljoin

    from bookbuild.pages import html_pages

    blocking = []
    for page in html_pages():
        soup = built_page(built_book / page)
        for script in soup.select("script[src]"):
            if script.has_attr("defer") or script.has_attr("async"):
                continue
            src = script["src"].split("?", 1)[0]
            if src.endswith("/" + FIRST_SCRIPT) or src == FIRST_SCRIPT:
                size = (built_book / urljoin(page, src)).stat().st_size
                assert size <= FIRST_SCRIPT_MAX_BYTES, f"{page}: {src} is {size} bytes, over {FIRST_SCRIPT_MAX_BYTES}"
                continue
            blocking.append(f"{page}: {src}")
    assert not blocking, f"scripts that stop the page from being drawn until they have loaded: {blocking}"


WIDTHS = (390, 1280)


def screenshot(tab) -> bytes:
    """The first screen; taken again once when Chromium answers "Unable to capture screenshot",
    which it does now and then on a busy machine."""
    from playwright.sync_api import Error

    try:
        return tab.screenshot(animations="disabled")
    except Error as error:
        if "Unable to capture screenshot" not in str(error):
            raise
        tab.wait_for_timeout(200)
        return tab.screenshot(animations="disabled")


def test_pages_look_the_same_as_with_the_stylesheets_linked(browser, book_server):
    """The first screen of every page, without scripts, at a phone's width and a desktop's, is
    pixel for pixel what the stylesheets the inline styles were made from draw. (Scripts off: a
    static drawing, the same every time.)"""
    linked_pages = set()

    def with_links(route):
        page = route.request.url.split(book_server + "/", 1)[1].split("#", 1)[0]
        text = (HTML / page).read_text(encoding="utf-8")
        sources = re.search(r'<style data-stylesheets="([^"]+)">.*?</style>', text, re.DOTALL)
        links = "".join(f'<link rel="stylesheet" href="{href}" />' for href in sources.group(1).split())
        linked_pages.add(page)
        route.fulfill(body=text[:sources.start()] + links + text[sources.end():], content_type="text/html")

    differ = []
    for width in WIDTHS:  # a fresh load at each width: a resized page is not drawn the same every time
        contexts = [browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
                    for _ in range(2)]
        try:
            inline_tab, linked_tab = (context.new_page() for context in contexts)
            linked_tab.route(f"{book_server}/**/*.html", with_links)
            for page in PAGES:
                # A real difference is drawn every time; a busy machine now and then paints one
                # load before an image has decoded, so a difference must show on a second load too.
                for attempt in range(2):
                    shots = []
                    for tab in (inline_tab, linked_tab):
                        tab.goto(f"{book_server}/{page}", wait_until="load")
                        shots.append(screenshot(tab))
                    if shots[0] == shots[1]:
                        break
                else:
                    differ.append(f"{page} at {width} px")
        finally:
            for context in contexts:
                context.close()
    assert linked_pages == set(PAGES)
    assert not differ, f"these pages look different from the stylesheets they were made from: {differ}"

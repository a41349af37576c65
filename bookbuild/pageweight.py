"""Measure every page of the built book in headless Chromium: bytes on first load, time for
every chart to draw, and requests that tried to leave the book.

Used by the tests (the budgets) and by `make bench` (the table). Run alone:
    .venv/bin/python -m bookbuild.pageweight
"""
from __future__ import annotations

import functools
import gzip
import io
import http.server
import shutil
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HTML_ROOT_OF: dict[str, Path] = {}  # base URL of a running server -> the folder it serves
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-default-apps", "--disable-extensions"]

#: Resolves when every Altair chart on the page holds an svg or canvas; gives ms after the load event.
CHARTS_DRAWN = """async () => {
  const charts = () => Array.from(document.querySelectorAll("div[id^='altair-viz-']"));
  const ready = () => charts().every(c => c.querySelector("svg, canvas"));
  const started = performance.now();
  while (!ready()) {
    if (performance.now() - started > 10000) { return null; }
    await new Promise(r => setTimeout(r, 10));
  }
  const nav = performance.getEntriesByType("navigation")[0];
  return {charts: charts().length, after_load_ms: performance.now() - nav.loadEventEnd};
}"""


#: Lighthouse's mobile profile ("slow 4G" as Lighthouse applies it): 150 ms round trip,
#: 1.6 Mbit/s down, 0.75 Mbit/s up, the CPU four times slower, a 412 px wide phone screen.
MOBILE_PROFILE = {"latency_ms": 150, "down_bits_per_s": 1.6e6, "up_bits_per_s": 0.75e6, "cpu_slowdown": 4,
                  "viewport": {"width": 412, "height": 823}}
#: Web Vitals' "good" thresholds: the first paint of text and the largest content (here, every chart).
FIRST_PAINT_BUDGET_MS = 1800
CHARTS_DRAWN_BUDGET_MOBILE_MS = 2500

#: Installed before a page loads: records, in ms from the start of navigation, the first paint
#: with content and the first frame in which the page is parsed and every chart holds an SVG.
_PAINT_WATCH = """(() => {
  window.__watch = {firstPaint: null, chartsDrawn: null};
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      if (entry.name === "first-contentful-paint") { window.__watch.firstPaint = entry.startTime; }
    }
  }).observe({type: "paint", buffered: true});
  const look = () => {
    const charts = Array.from(document.querySelectorAll("div[id^='altair-viz-']"));
    if (document.readyState !== "loading" && charts.every(c => c.querySelector("svg, canvas"))) {
      window.__watch.chartsDrawn = performance.now();
      window.__watch.charts = charts.length;
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();"""


def measure_mobile(browser, base_url: str, page: str, late_ms: int = 500, to_load_event: bool = True) -> dict:
    """Open ``page`` cold (empty cache) as Lighthouse's mobile profile does and time it: first
    contentful paint, every chart drawn (never before the first paint), bytes transferred
    (``late_ms`` after the charts were drawn, so that late requests count). Both times are taken
    in the page from the start of navigation; ``to_load_event=False`` stops watching as soon as
    both are known instead of waiting for the load event too (the times are the same; the bytes
    and the requests seen are then those of the page until then)."""
    profile = MOBILE_PROFILE
    context = browser.new_context(viewport=profile["viewport"], is_mobile=True, has_touch=True,
                                  service_workers="block")
    tab, external, finished = _watched_tab(context, base_url)
    context.add_init_script(_PAINT_WATCH)
    cdp = context.new_cdp_session(tab)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": profile["latency_ms"],
        "downloadThroughput": profile["down_bits_per_s"] / 8, "uploadThroughput": profile["up_bits_per_s"] / 8})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile["cpu_slowdown"]})
    try:
        tab.goto(f"{base_url}/{page}", wait_until="load" if to_load_event else "commit", timeout=60_000)
        tab.wait_for_function("() => window.__watch.chartsDrawn !== null && window.__watch.firstPaint !== null",
                              timeout=30_000)
        tab.wait_for_timeout(late_ms)  # late requests (scripts deferred past load, fonts) still count
        watch = tab.evaluate("() => window.__watch")
        total = transferred_bytes(finished)
    finally:
        context.close()
    return {"page": page, "first_paint_ms": watch["firstPaint"], "charts": watch["charts"],
            "charts_drawn_ms": max(watch["chartsDrawn"], watch["firstPaint"]) if watch["charts"] else None,
            "bytes": total, "external": external}


def measure_book_mobile(html_root: Path = HTML) -> list[dict]:
    return _measure_every_page(measure_mobile, html_root)


def over_mobile_budget(row: dict) -> list[str]:
    """What a mobile-profile measurement of a page exceeds, in words; empty when within budget."""
    over = []
    if row["first_paint_ms"] > FIRST_PAINT_BUDGET_MS:
        over.append(f"first paint {row['first_paint_ms'] / 1000:.2f} s > {FIRST_PAINT_BUDGET_MS / 1000:g} s")
    if row["charts"] and row["charts_drawn_ms"] > CHARTS_DRAWN_BUDGET_MOBILE_MS:
        over.append(f"charts drawn {row['charts_drawn_ms'] / 1000:.2f} s > {CHARTS_DRAWN_BUDGET_MOBILE_MS / 1000:g} s")
    return over


def best_mobile_load(loads: list[dict]) -> dict:
    """Of several cold loads of one page, the best: one within the budget if any, then the one
    whose charts (or, with none, whose text) appeared first."""
    return min(loads, key=lambda r: (bool(over_mobile_budget(r)), r["charts_drawn_ms"] or r["first_paint_ms"]))


def mobile_table(rows: list[dict]) -> str:
    lines = [f"{'page (mobile profile)':<30} {'first paint':>12} {'all charts drawn':>17} {'transferred':>12}"]
    for r in rows:
        drawn = "-" if not r["charts"] else f"{r['charts_drawn_ms'] / 1000:.1f} s"
        lines.append(f"{r['page']:<30} {r['first_paint_ms'] / 1000:>10.1f} s {drawn:>17} {r['bytes'] / 1e3:>9.0f} kB")
    return "\n".join(lines)


#: Resolves when Vega has redrawn every chart the page shows (tooltips and controls work); null
#: after 20 s. Each chart is drawn statically first; see _static/charts.js.
CHARTS_LIVE = """async () => {
  const charts = () => Array.from(document.querySelectorAll("div[id^='altair-viz-']"))
    .filter(c => getComputedStyle(c).display !== "none");  // a layout the page does not show stays static
  const started = performance.now();
  while (!charts().every(c => c.classList.contains("evidence-chart-live"))) {
    if (performance.now() - started > 20000) { return null; }
    await new Promise(r => setTimeout(r, 20));
  }
  return charts().length;
}"""


def html_pages(html_root: Path = HTML) -> list[str]:
    """Every page of the built book a reader can open (bookbuild.pages: the table of contents, then
    the search and index pages); the root index.html, a redirect, is not one."""
    from bookbuild.pages import built_pages

    return built_pages(html_root.parent.parent)


#: Text files a static host compresses (as GitHub Pages, Netlify or nginx with gzip on do).
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".txt", ".map"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the book as a static host would: text compressed with gzip when the browser asks."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if (path.suffix not in COMPRESSED or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a browser closing a tab mid-response
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@contextmanager
def serve(html_root: Path = HTML):
    """The built book on a loopback port; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_root))
    server = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    HTML_ROOT_OF[base_url] = Path(html_root)
    try:
        yield base_url
    finally:
        server.shutdown()


def measure(browser, base_url: str, page: str) -> dict:
    """Open ``page`` in a fresh context (empty cache) and measure it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    tab, external, finished = _watched_tab(context, base_url)
    try:
        tab.goto(f"{base_url}/{page}", wait_until="load")
        drawn = tab.evaluate(CHARTS_DRAWN)
        tab.wait_for_timeout(300)  # late requests (fonts, the search index) still count
        total = transferred_bytes(finished)
        files = [HTML_ROOT_OF[base_url] / urlsplit(r.url).path.lstrip("/") for r in finished]
        uncompressed = sum(f.stat().st_size for f in files if f.is_file())
    finally:
        context.close()
    return {"page": page, "bytes": total, "uncompressed": uncompressed, "requests": len(finished), "external": external,
            "charts": drawn["charts"] if drawn else None,
            "charts_after_load_ms": drawn["after_load_ms"] if drawn else None}


def measure_book(html_root: Path = HTML) -> list[dict]:
    return _measure_every_page(measure, html_root)


def _measure_every_page(measure_page, html_root: Path) -> list[dict]:
    """``measure_page(browser, base_url, page)`` for every page of the book, served locally."""
    from playwright.sync_api import sync_playwright

    with serve(html_root) as base_url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return [measure_page(browser, base_url, page) for page in html_pages(html_root)]
        finally:
            browser.close()


def _watched_tab(context, base_url: str):
    """A tab of ``context`` whose requests outside the book are aborted and recorded; returns the
    tab, the list of those addresses and the list of finished requests, both filled as it loads."""
    tab = context.new_page()
    external, finished = [], []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(base_url + "/") or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            external.append(url)
            request_route.abort()

    context.route("**/*", route)
    tab.on("requestfinished", lambda request: finished.append(request))
    return tab, external, finished


def transferred_bytes(finished) -> int:
    """Bytes on the wire (bodies as sent, compressed or not, and headers) of finished requests."""
    return sum(max(z["responseBodySize"], 0) + max(z["responseHeadersSize"], 0) for z in (r.sizes() for r in finished))


def table(rows: list[dict]) -> str:
    lines = [f"{'page':<30} {'transferred (gzip)':>19} {'uncompressed':>13} {'requests':>9} {'charts':>7} {'drawn after load':>17}"]
    for r in rows:
        drawn = "-" if not r["charts"] else f"{r['charts_after_load_ms']:.0f} ms"
        lines.append(f"{r['page']:<30} {r['bytes'] / 1e6:>16.2f} MB {r['uncompressed'] / 1e6:>10.2f} MB "
                     f"{r['requests']:>9} {r['charts'] or 0:>7} {drawn:>17}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure_book()))
    print()
    print(mobile_table(measure_book_mobile()))

"""Measure every page of the built book in headless Chromium: bytes on first load, time for
every chart to draw, and requests that tried to leave the book.

Used by the tests (the budgets) and by `make bench` (the table). Run alone:
    .venv/bin/python tools/pageweight.py
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


def html_pages(html_root: Path = HTML) -> list[str]:
    """Every page of the built book except redirects (the root index.html forwards to the landing page)."""
    return sorted(p.relative_to(html_root).as_posix() for p in html_root.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts
                  and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:2000])


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
    tab = context.new_page()
    finished, external = [], []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(base_url + "/") or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            external.append(url)
            request_route.abort()

    context.route("**/*", route)
    tab.on("requestfinished", lambda request: finished.append(request))
    try:
        tab.goto(f"{base_url}/{page}", wait_until="load")
        drawn = tab.evaluate(CHARTS_DRAWN)
        tab.wait_for_timeout(300)  # late requests (fonts, the search index) still count
        sizes = [r.sizes() for r in finished]
        total = sum(max(z["responseBodySize"], 0) + max(z["responseHeadersSize"], 0) for z in sizes)
        files = [HTML_ROOT_OF[base_url] / urlsplit(r.url).path.lstrip("/") for r in finished]
        uncompressed = sum(f.stat().st_size for f in files if f.is_file())
    finally:
        context.close()
    return {"page": page, "bytes": total, "uncompressed": uncompressed, "requests": len(finished), "external": external,
            "charts": drawn["charts"] if drawn else None,
            "charts_after_load_ms": drawn["after_load_ms"] if drawn else None}


def measure_book(html_root: Path = HTML) -> list[dict]:
    from playwright.sync_api import sync_playwright

    with serve(html_root) as base_url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return [measure(browser, base_url, page) for page in html_pages(html_root)]
        finally:
            browser.close()


def table(rows: list[dict]) -> str:
    lines = [f"{'page':<30} {'transferred (gzip)':>19} {'uncompressed':>13} {'requests':>9} {'charts':>7} {'drawn after load':>17}"]
    for r in rows:
        drawn = "-" if not r["charts"] else f"{r['charts_after_load_ms']:.0f} ms"
        lines.append(f"{r['page']:<30} {r['bytes'] / 1e6:>16.2f} MB {r['uncompressed'] / 1e6:>10.2f} MB "
                     f"{r['requests']:>9} {r['charts'] or 0:>7} {drawn:>17}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure_book()))

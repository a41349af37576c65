"""Sphinx extension for the book's build: chapters executed afresh when their data change, the same
HTML from every build, Vega loaded only where needed, chapters read two at a time.

1. The execution cache (jupyter-cache) keys a notebook on its code alone, so editing a CSV
   would republish stale numbers. On reading a chapter notebook, this extension finds the
   tables it loads (``load_table("name")``), records the CSVs, the data package descriptor and
   the package's own source as Sphinx dependencies (so an edit makes Sphinx re-read the
   chapter), and appends a hidden code cell holding their hashes (so the cache key changes
   and the chapter is executed again). Chapters that do not read a file are left alone.
2. The vendored Vega bundle is taken off the global script list and added only to pages
   whose body holds an Altair chart.
3. The bibliography's citation list loses a list role that its items do not fit.
4. pybtex's plugin lookups are remembered (see ``_remember_plugin_lookups``).
5. myst-nb's stylesheet is in place before pages are written (see ``_copy_notebook_css_first``).
6. The search index drops words no page holds any more (see ``_search_index_forgets_vanished_words``).
7. The execution cache's database is created before chapters are read in parallel.
8. Chapters can be read, and so executed, two at a time (see ``_UNDECLARED_BUT_SAFE``).
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

from .data import ROOT

VEGA_BUNDLE = "vendor/vega-bundle.js"
_LOAD_CALL = re.compile(r"""load_table\(\s*["']([A-Za-z0-9_\-]+)["']\s*\)""")
_DYNAMIC_LOAD = re.compile(r"load_table\(\s*[^\"'\s)]")
_NOTEBOOK_MARK = re.compile(r"^```\{code-cell\}", re.MULTILINE)
HASH_CELL_MARK = "# build inputs of this chapter (added at build time; not part of the chapter):"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _package_sources() -> list[Path]:
    return sorted((ROOT / "evidence").glob("*.py"))


def chapter_inputs(source: str, data_dir: Path) -> list[Path]:
    """The files whose content a chapter's executed output depends on, besides its own text."""
    descriptor = data_dir / "datapackage.json"
    resources = {r["name"]: data_dir / r["path"]
                 for r in json.loads(descriptor.read_text(encoding="utf-8"))["resources"]}
    if _DYNAMIC_LOAD.search(source):  # a table chosen at run time: depend on every table
        tables = list(resources)
    else:
        tables = sorted(set(_LOAD_CALL.findall(source)))
    unknown = [t for t in tables if t not in resources]
    if unknown:
        raise ValueError(f"load_table names unknown table(s) {unknown}; tables: {sorted(resources)}")
    return [descriptor] + [resources[t] for t in tables] + _package_sources()


def _on_source_read(app, docname: str, source: list[str]) -> None:
    text = source[0]
    if not _NOTEBOOK_MARK.search(text):
        return
    from .data import project_paths

    inputs = chapter_inputs(text, project_paths().data)
    for path in inputs:
        app.env.note_dependency(str(path))
    lines = "\n".join(f"# {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}: {_sha(p)}" for p in inputs)
    source[0] = text.rstrip("\n") + (
        "\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n\n" + HASH_CELL_MARK + "\n" + lines + "\n```\n"
    )


def _on_config_inited(app, config) -> None:
    config.html_js_files = [js for js in config.html_js_files
                            if (js[0] if isinstance(js, tuple) else js) != VEGA_BUNDLE]


#: docutils marks the bibliography as a list whose items are not list items (role
#: "doc-biblioentry"), which screen readers and axe-core reject; the plain division reads well.
_CITATION_LIST = '<div role="list" class="citation-list">'


def _on_html_page_context(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    if "vega-embed" in body or "altair-viz" in body:
        app.add_js_file(VEGA_BUNDLE, priority=100)
    if _CITATION_LIST in body:
        context["body"] = body.replace(_CITATION_LIST, '<div class="citation-list">')


#: sphinx-external-toc always loads this extension, which patches how sections are numbered
#: (after all pages are read, in the main process) but does not declare itself safe for
#: parallel reading, so Sphinx would read, and execute, the chapters one after another.
_UNDECLARED_BUT_SAFE = ("sphinx_multitoc_numbering",)


def _declare_parallel_safe(app) -> None:
    for name in _UNDECLARED_BUT_SAFE:
        extension = app.extensions.get(name)
        if extension is not None and extension.parallel_read_safe is None:
            extension.parallel_read_safe = extension.parallel_write_safe = True


def _remember_plugin_lookups() -> None:
    """pybtex looks a style plugin up by scanning every installed package's entry points, on
    every citation: about 20 ms each, several seconds per build. The installed packages do not
    change during a build, so each lookup is scanned once."""
    import pybtex.plugin

    scan = pybtex.plugin.entry_points
    if getattr(scan, "remembered", False):
        return

    @functools.lru_cache(maxsize=None)
    def scanned(group: str, name: str) -> tuple:
        return tuple(scan(group=group, name=name))

    def entry_points(*, group: str, name: str) -> tuple:
        return scanned(group, name)

    entry_points.remembered = True
    pybtex.plugin.entry_points = entry_points


def _copy_notebook_css_first(app) -> None:
    """myst-nb copies its stylesheet into _static/ only when the build finishes. Sphinx adds a
    checksum to a stylesheet link when the file is already there, so a rebuild's pages linked
    it with ``?v=`` and a clean build's without: the same sources gave different HTML. Copied
    before any page is written, every build links it the same way."""
    if app.builder.format != "html":
        return
    from myst_nb.sphinx_ext import add_global_html_resources

    (Path(app.builder.outdir) / "_static").mkdir(parents=True, exist_ok=True)
    add_global_html_resources(app, None)


def _search_index_forgets_vanished_words() -> None:
    """When a rebuild re-reads a page, Sphinx's search index keeps every word the old page had,
    with an empty list of pages: after a data edit and its undo, the index differed from a clean
    build's. Words left with no page are dropped, as a clean build never has them."""
    from sphinx.search import IndexBuilder

    prune = IndexBuilder.prune
    if getattr(prune, "forgets_vanished_words", False):
        return

    def prune_and_forget(self, docnames) -> None:
        prune(self, docnames)
        for mapping in (self._mapping, self._title_mapping):
            for word in [w for w, pages in mapping.items() if not pages]:
                del mapping[word]

    prune_and_forget.forgets_vanished_words = True
    IndexBuilder.prune = prune_and_forget


def _create_execution_cache(app) -> None:
    """A fresh execution cache creates its database on first use. Two chapter readers, started
    together, both tried to create it ("table settings already exists") and a clean build failed
    now and then. Created here, in the main process before any reader starts, it exists once."""
    config = app.env.mystnb_config
    if config.execution_mode != "cache":
        return
    from jupyter_cache import get_cache

    Path(config.execution_cache_path).mkdir(parents=True, exist_ok=True)
    get_cache(config.execution_cache_path).db  # noqa: B018 (the property creates the database)


def setup(app):
    _declare_parallel_safe(app)
    app.connect("builder-inited", _create_execution_cache, priority=900)
    _remember_plugin_lookups()
    _search_index_forgets_vanished_words()
    app.connect("builder-inited", _copy_notebook_css_first)
    app.connect("config-inited", _on_config_inited)
    app.connect("source-read", _on_source_read)
    app.connect("html-page-context", _on_html_page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}

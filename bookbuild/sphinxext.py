"""Sphinx extension for the book's build: chapters executed afresh when their data change, the same
HTML from every build, Vega loaded only where needed.

1. The execution cache (jupyter-cache) keys a notebook on its code alone, so editing a CSV
   would republish stale numbers. On reading a chapter notebook, this extension finds the
   tables it loads (``load_table("name")``), records the CSVs, the data package descriptor and
   the package's own source as Sphinx dependencies (so an edit makes Sphinx re-read the
   chapter), and appends a hidden code cell holding their hashes (so the cache key changes
   and the chapter is executed again). Chapters that do not read a file are left alone.
2. The vendored Vega bundle is taken off the global script list and added only to pages
   whose body holds an Altair chart.
3. The bibliography's citation list loses a list role that its items do not fit.
4. pybtex's plugins are registered once, so that it finds them without scanning every installed
   package again for every citation (see ``_register_bibliography_plugins``).
5. The search index drops words no page holds any more and keeps the index entries of pages
   a rebuild does not write, so that a rebuild writes a clean build's index (``bookbuild.upstream``,
   the one module that holds the build's workarounds on other packages' internals).
6. Every page says when it last changed: the date of the newest commit to its source and to the
   data it reads, from the repository history (see ``page_files`` and ``page_history``).
7. Every chapter notebook is published next to its page as the notebook the build executed
   (see ``_publish_executed_notebooks``), with a link to it on the page.
8. Every page written carries the styles it uses in one ``<style>`` instead of linking nine
   stylesheets (``bookbuild.pagecss``): on a slow phone its text paints without waiting for them.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import os
import re
import subprocess
import time
from pathlib import Path

from . import upstream
from evidence.data import ROOT

VEGA_BUNDLE = "vendor/vega-bundle.js"
#: Redraws each static chart with Vega once it has loaded (tooltips, the explorer's controls).
CHART_SCRIPT = "charts.js"
#: Jupyter Book adds every script in _static/ to every page (deferred by _templates/layout.html);
#: two of them serve the reader on every page: menus.js makes the header's menu buttons open the
#: theme's drawers on a phone, terms.js shows a glossary term's definition in place when tapped.
CHART_CLASS = "evidence-chart"  # as bookview.charts.CHART_CLASS (not imported: that loads Altair)
_LOAD_CALL = re.compile(r"""load_table\(\s*["']([A-Za-z0-9_\-]+)["']\s*\)""")
#: ``load_tables("a", "b", ...)``: several tables named literally in one call.
_LOAD_MANY = re.compile(r"""load_tables\(((?:\s*["'][A-Za-z0-9_\-]+["']\s*,?)+)\s*\)""")
_NAME = re.compile(r"""["']([A-Za-z0-9_\-]+)["']""")
_DYNAMIC_LOAD = re.compile(r"load_tables?\(\s*[^\"'\s)]")
_NOTEBOOK_MARK = re.compile(r"^```\{code-cell\}", re.MULTILINE)
HASH_CELL_MARK = "# build inputs of this chapter (added at build time; not part of the chapter):"


def code_cell_count(text: str) -> int:
    """How many code cells a page's MyST source holds (0 for a page that is not a notebook)."""
    return len(_NOTEBOOK_MARK.findall(text))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _package_sources() -> list[Path]:
    """The code a chapter runs: the evidence and its presentation (the build machinery is not run by
    chapters; a change to it rewrites every page instead, bookbuild/build.py)."""
    return sorted(path for package in ("evidence", "bookview") for path in (ROOT / package).glob("*.py"))


def chapter_inputs(source: str, data_dir: Path) -> list[Path]:
    """The files whose content a chapter's executed output depends on, besides its own text."""
    descriptor = data_dir / "datapackage.json"
    resources = {r["name"]: data_dir / r["path"]
                 for r in json.loads(descriptor.read_text(encoding="utf-8"))["resources"]}
    if _DYNAMIC_LOAD.search(source):  # a table chosen at run time: depend on every table
        tables = list(resources)
    else:
        tables = sorted(set(_LOAD_CALL.findall(source))
                        | {name for call in _LOAD_MANY.findall(source) for name in _NAME.findall(call)})
    unknown = [t for t in tables if t not in resources]
    if unknown:
        raise ValueError(f"load_table names unknown table(s) {unknown}; tables: {sorted(resources)}")
    return [descriptor] + [resources[t] for t in tables] + _package_sources()


def with_inputs_cell(text: str) -> tuple[str, list[Path]]:
    """A chapter's source as the build reads it, with the hidden cell of its inputs' hashes
    appended, and those inputs; a page that is not a notebook comes back unchanged."""
    if not _NOTEBOOK_MARK.search(text):
        return text, []
    from evidence.data import project_paths

    inputs = chapter_inputs(text, project_paths().data)
    lines = "\n".join(f"# {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}: {_sha(p)}" for p in inputs)
    return text.rstrip("\n") + (
        "\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n\n" + HASH_CELL_MARK + "\n" + lines + "\n```\n"
    ), inputs


def _on_source_read(app, docname: str, source: list[str]) -> None:
    source[0], inputs = with_inputs_cell(source[0])
    for path in inputs:
        app.env.note_dependency(str(path))


#: What the book says of where it lives while ``html.baseurl`` in _config.yml is empty.
NO_ADDRESS = "not yet published at a public address"


def book_address(config) -> str:
    """The book's public address, from the one setting ``html.baseurl`` (Sphinx's ``html_baseurl``)."""
    return str(config.html_baseurl or "").strip() or NO_ADDRESS


def _on_config_inited(app, config) -> None:
    config.html_js_files = [js for js in config.html_js_files
                            if (js[0] if isinstance(js, tuple) else js) not in (VEGA_BUNDLE, CHART_SCRIPT)]
    # Pages say where the book lives with {{ book_address }}, read from the one setting.
    config.myst_substitutions = {**config.myst_substitutions, "book_address": book_address(config)}


#: docutils marks the bibliography as a list whose items are not list items (role
#: "doc-biblioentry"), which screen readers and axe-core reject; the plain division reads well.
_CITATION_LIST = '<div role="list" class="citation-list">'


def _on_html_page_context(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    if f'class="{CHART_CLASS}"' in body:
        # Deferred: the page, its static charts included, is drawn before it runs; it fetches
        # the Vega bundle only after the page has loaded.
        app.add_js_file(CHART_SCRIPT, loading_method="defer")
    if _CITATION_LIST in body:
        context["body"] = body.replace(_CITATION_LIST, '<div class="citation-list">')


#: pybtex's plugin groups (its styles, back ends and bibliography formats), each with its aliases
#: and file-suffix groups.
PYBTEX_GROUPS = tuple(group + kind for group in (
    "pybtex.database.input", "pybtex.database.output", "pybtex.backends", "pybtex.style.labels",
    "pybtex.style.names", "pybtex.style.sorting", "pybtex.style.formatting") for kind in ("", ".aliases", ".suffixes"))


def _register_bibliography_plugins() -> None:
    """pybtex finds a plugin by scanning every installed package's entry points, again for every
    citation (about 20 ms a scan, 2 to 4 s of processor time in a build); a plugin registered with
    pybtex's public ``register_plugin`` is found without a scan. The installed packages do not
    change during a build, so every plugin they declare is registered once, as the class its entry
    point names: pybtex then finds the same classes, without scanning."""
    from importlib.metadata import entry_points

    from pybtex.plugin import register_plugin

    declared = entry_points()
    for group in PYBTEX_GROUPS:
        for entry_point in declared.select(group=group):
            try:
                plugin = entry_point.load()
            except ImportError:  # an optional plugin that cannot load: pybtex looks it up (and fails) as before
                continue
            register_plugin(group, entry_point.name, plugin, force=True)


#: Names a file that bookbuild/build.py writes once it has executed the chapters (bookbuild/preexecute.py)
#: while Sphinx started up; Sphinx waits for it before reading any page.
CHAPTERS_EXECUTED_ENV = "BOOK_CHAPTERS_EXECUTED"


def _wait_for_executed_chapters(app, env, docnames) -> None:
    mark = os.environ.get(CHAPTERS_EXECUTED_ENV)
    if mark:
        waited = 0.0
        while not Path(mark).exists():
            if waited > 900:
                raise RuntimeError(f"the chapters' execution did not finish: {mark} never appeared")
            time.sleep(0.05)
            waited += 0.05
    return None


#: Names the git checkout whose history dates the pages, for a copy of the project that has no
#: history of its own (bookbuild/reproducible.py and .ci/unpinned set it to the checkout they copied).
HISTORY_ENV = "BOOK_HISTORY"


class HistoryError(RuntimeError):
    """No trustworthy repository history to date the pages from."""


def _git(repo: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    except FileNotFoundError as error:
        raise HistoryError("git is not installed; the pages' dates come from the repository history") from error
    if result.returncode != 0:
        raise HistoryError(f"git {' '.join(args)} failed in {repo}: {result.stderr.strip()}")
    return result.stdout


@functools.lru_cache(maxsize=None)
def history_repository() -> Path:
    """The git checkout whose history dates the pages: this project, or the one ``BOOK_HISTORY``
    names. Without a full history a page would show a wrong date, so the build stops instead."""
    named = os.environ.get(HISTORY_ENV)
    repo = Path(named).resolve() if named else ROOT
    how = f"set {HISTORY_ENV} to the checkout this copy was made from" if not named else f"{HISTORY_ENV}={named}"
    try:
        top = Path(_git(repo, "rev-parse", "--show-toplevel").strip()).resolve()
    except HistoryError as error:
        raise HistoryError(f"no repository history to date the pages from ({error}). Build from a git "
                           f"clone, or {how}.") from None
    if top != repo.resolve():
        raise HistoryError(f"{repo} is not the top of a git checkout (git found {top}); build from a clone, or {how}")
    return repo


@functools.lru_cache(maxsize=None)
def history_is_shallow() -> bool:
    """Whether the history is cut short (a shallow clone): its dates would be wrong, so the pages
    say the date is not known in this copy instead of showing one."""
    return _git(history_repository(), "rev-parse", "--is-shallow-repository").strip() == "true"


def history_head() -> str:
    """The commit the pages are dated from (the build's no-change check includes it)."""
    repo = history_repository()
    return f"{repo}:{_git(repo, 'rev-parse', 'HEAD').strip()}"


def page_files(source: Path) -> list[Path]:
    """The files whose history dates a page: its source; for a notebook, the data package
    descriptor and the tables it loads (``chapter_inputs``); for the page that holds the
    bibliography, references.bib. The package's code is not counted: every page shares it, so
    counting it would give every page the date of the latest change to any code, which says
    nothing about the page (the tests check each page's numbers against the data instead)."""
    text = source.read_text(encoding="utf-8")
    files = [source]
    if _NOTEBOOK_MARK.search(text):
        from evidence.data import project_paths

        code = set(_package_sources())
        files += [p for p in chapter_inputs(text, project_paths().data) if p not in code]
    if "{bibliography}" in text:
        files.append(ROOT / "references.bib")
    return files


@functools.lru_cache(maxsize=None)
def _committed_blobs(repo: Path) -> dict[str, str]:
    """Path -> blob id of every file in the HEAD commit."""
    blobs = {}
    for entry in _git(repo, "ls-tree", "-r", "-z", "HEAD").split("\0"):
        if entry:
            meta, path = entry.split("\t", 1)
            blobs[path] = meta.split()[2]
    return blobs


def _blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


#: The date a page shows when the repository's history is cut short.
SHALLOW = "not known"


def page_history(files: list[Path]) -> tuple[str, bool]:
    """(date of the newest commit to any of ``files`` as YYYY-MM-DD, "" if none is committed;
    whether any of them differs from the HEAD commit, i.e. has edits not yet committed)."""
    repo = history_repository()
    outside = [f for f in files if not f.is_relative_to(ROOT)]
    if outside:
        raise HistoryError(f"cannot date files outside the project from its history: {outside}")
    paths = [f.relative_to(ROOT).as_posix() for f in files]
    date = SHALLOW if history_is_shallow() else _git(repo, "log", "-1", "--format=%cs", "--", *paths).strip()
    blobs = _committed_blobs(repo)
    return date, any(blobs.get(p) != _blob_id(f) for p, f in zip(paths, files))


def _date_pages(app, env) -> list[str]:
    """After reading: date every page; return the pages whose date changed though their text did
    not (a commit of edits already built), so that they are written again."""
    before = getattr(env, "book_page_history", {})
    now = {}
    for docname in sorted(env.found_docs):
        files = page_files(Path(env.doc2path(docname)))
        text = files[0].read_text(encoding="utf-8")
        now[docname] = (*page_history(files), bool(_NOTEBOOK_MARK.search(text)), "{bibliography}" in text)
    env.book_page_history = now
    return [d for d in now if before.get(d) != now[d]]


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # not strftime: Sphinx sets the reader's locale


def _long_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def page_footer(pagename: str, history: tuple[str, bool, bool, bool]) -> str:
    """The HTML under a page's text: when it last changed and, for a notebook, the download link."""
    date, uncommitted, notebook, bibliography = history
    counted = ("this page's text" + (" or to the data it reads" if notebook else "")
               + (" or to the bibliography file" if bibliography else ""))
    if date == SHALLOW:
        said = ('Last changed: <span class="last-changed">not known in this copy</span>: its repository '
                'history is cut short (a shallow clone), so no date is shown rather than a wrong one.')
    elif date:
        said = (f'Last changed: <time class="last-changed" datetime="{date}">{_long_date(date)}</time>, '
                f"the date of the newest commit to {counted}"
                + (" (changes to the book's shared code are not counted)." if notebook else "."))
    else:
        said = 'Last changed: <span class="last-changed">not yet committed</span> to the repository history.'
    if uncommitted:
        said += ' <span class="uncommitted">This build also holds edits made since, not yet committed.</span>'
    parts = [f"<p>{said}</p>"]
    if notebook:
        name = html.escape(pagename.rsplit("/", 1)[-1] + ".ipynb")
        parts.append(f'<p><a class="notebook-download reference download" href="{name}" download="{name}">'
                     "Download this chapter as a notebook (.ipynb)</a>, with the outputs of this build.</p>")
    return '<div class="page-provenance">' + "".join(parts) + "</div>"


def _add_page_footer(app, pagename, templatename, context, doctree) -> None:
    history = getattr(app.env, "book_page_history", {}).get(pagename)
    if history is not None and doctree is not None:
        context["body"] = context.get("body", "") + page_footer(pagename, history)


def published_notebook(executed: Path, cache_path: str | None):
    """The notebook a reader downloads: the one the build executed, nothing executed again.

    myst-nb writes the executed notebook to _build/jupyter_execute/ on every read, but without
    the outputs of ``glue`` (it keeps those apart); the execution cache holds the whole run, so
    its outputs are merged back in (``cache_path``: the cache, or None when chapters are not
    executed through it). The hidden cell of build inputs and myst-nb's line map are dropped,
    and each cell's id is derived from its place and content, so two builds write the same file."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    if cache_path is not None:
        from jupyter_cache import get_cache

        _, notebook = get_cache(cache_path).merge_match_into_notebook(notebook)  # KeyError if not cached
    notebook.cells = [c for c in notebook.cells
                      if not (c.cell_type == "code" and c.source.startswith(HASH_CELL_MARK))]
    notebook.metadata.pop("source_map", None)
    for index, cell in enumerate(notebook.cells):  # jupytext draws cell ids at random on every read
        cell.id = hashlib.sha256(f"{index}\0{cell.cell_type}\0{cell.source}".encode()).hexdigest()[:12]
    nbformat.validate(notebook)
    return notebook


def _publish_executed_notebooks(app, exception) -> None:
    """Write each chapter's executed notebook next to its page in the HTML output."""
    if exception is not None or app.builder.format != "html":
        return
    import nbformat

    config = app.env.mystnb_config
    cache_path = config.execution_cache_path if config.execution_mode == "cache" else None
    for docname, (_, _, notebook, _) in sorted(getattr(app.env, "book_page_history", {}).items()):
        if not notebook:
            continue
        executed = Path(config.output_folder) / f"{docname}.ipynb"
        if not executed.is_file():
            raise RuntimeError(f"the executed notebook of {docname} is missing: {executed}")
        target = Path(app.builder.outdir) / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(nbformat.writes(published_notebook(executed, cache_path)) + "\n", encoding="utf-8")


#: The page that holds the glossary.
GLOSSARY_PAGE = "chapters/glossary"
#: The class of a link to a glossary term; its title is the term's definition (``_static/terms.js``
#: shows it in place when the link is tapped).
TERM_CLASS = "glossary-term"


def glossary_definitions(app, env) -> dict[str, str]:
    """Each glossary term's id and its definition as plain text, from the glossary page as it is
    written (its glued facts in place)."""
    from docutils import nodes
    from sphinx import addnodes

    if GLOSSARY_PAGE not in env.all_docs:
        return {}
    doctree = env.get_and_resolve_doctree(GLOSSARY_PAGE, app.builder)
    found = {}
    for glossary in doctree.findall(addnodes.glossary):
        for item in glossary.findall(nodes.definition_list_item):
            text = " ".join(item.next_node(nodes.definition).astext().split())
            for term in item.findall(nodes.term):
                for term_id in term["ids"]:
                    found[term_id] = text
    return found


def _remember_glossary(app, env) -> list[str]:
    """After reading: the glossary's definitions; when they changed, every page is written again,
    so that every link to a term carries the definition the glossary now gives."""
    if app.builder.format != "html":
        return []
    definitions = glossary_definitions(app, env)
    changed = getattr(env, "book_glossary", None) != definitions
    env.book_glossary = definitions
    return sorted(env.all_docs) if changed else []


def _define_terms_in_place(app, doctree, docname) -> None:
    """Every link to a glossary term carries the term's definition as its title (a hover shows it,
    and a tap shows it in place, by ``_static/terms.js``), and the class :data:`TERM_CLASS`."""
    from docutils import nodes

    definitions = getattr(app.env, "book_glossary", {})
    for reference in doctree.findall(nodes.reference):
        target = reference.get("refuri", "").rpartition("#")[2] if "refuri" in reference else reference.get("refid", "")
        if target.startswith("term-") and target in definitions:
            reference["reftitle"] = definitions[target]
            reference["classes"].append(TERM_CLASS)


def percent_search_language():
    """English search that keeps a number and its percent sign together as one word, so that
    searching for "80%" finds the pages that say "80%": Sphinx's search drops a query term made
    of digits alone. Registered with Sphinx's public ``add_search_language``: the same rule splits
    the pages (``_word_re``) and the reader's query (``js_splitter_code``)."""
    from sphinx.search.en import SearchEnglish

    class SearchEnglishWithPercents(SearchEnglish):
        _word_re = re.compile(r"\d+(?:\.\d+)?%|\w+")
        js_splitter_code = (
            "function splitQuery(query) {\n"
            "  return query.match(/\\d+(?:\\.\\d+)?%|[\\p{Letter}\\p{Number}_\\p{Emoji_Presentation}]+/gu) || [];\n"
            "}\n")

    return SearchEnglishWithPercents


def _inline_page_styles(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        from .pagecss import inline_page_styles

        inline_page_styles(Path(app.builder.outdir))


def setup(app):
    app.add_search_language(percent_search_language())
    app.connect("env-updated", _remember_glossary)
    app.connect("doctree-resolved", _define_terms_in_place)
    app.connect("env-before-read-docs", _wait_for_executed_chapters)
    _register_bibliography_plugins()
    upstream.setup(app)  # the workarounds that depend on Sphinx's internals
    app.connect("config-inited", _on_config_inited)
    app.connect("source-read", _on_source_read)
    app.connect("html-page-context", _on_html_page_context)
    app.connect("env-updated", _date_pages)
    app.connect("html-page-context", _add_page_footer)
    app.connect("build-finished", _publish_executed_notebooks)
    app.connect("build-finished", _inline_page_styles, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}

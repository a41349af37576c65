"""Where the book's build depends on other packages' internals: every such place, in one module.

Each entry of :data:`WORKAROUNDS` says what it does, what it buys (measured on the 2-core machine
the book is built on), the versions of the packages it was checked against and the upstream issue.
``tests/test_upstream.py`` fails, naming the package, as soon as an installed version differs from
the versions an entry was checked against. Then, for that entry: remove it (or set
``BOOK_WITHOUT_WORKAROUNDS``, below) and run ``tests/test_rebuilds.py``; if the checks still pass,
upstream has fixed the defect and the entry goes; if not, check that the entry still works with
the new version and write that version into it.

The two Sphinx entries are installed by the book's Sphinx extension (``bookbuild.sphinxext`` calls
:func:`setup`). The other entries name code elsewhere that depends on another package's internals.

Reviewed in December 2026; everything else in the build uses public interfaces only. Retired then,
each replaced by the stock way or a public interface, with the gain each had (side by side with
the stock way, alternating runs, medians):

- ``tools/jb_parallel.py`` (replaced Jupyter Book's ``build_sphinx``, Sphinx's ``make_chunks`` and
  ``ParallelTasks._precvsWaiting`` to read the pages in two processes, longest first): plain
  ``jb build`` is as fast once the chapters are executed beforehand (a clean build took 0.78 to
  1.02 times as long with it, seven pairs). With it went two fixes that only parallel reading
  needed: another extension's parallel-safety flag overridden, and the execution cache's
  database created before the readers started.
- pybtex's ``entry_points`` replaced by a remembering copy (it saves 4 s of processor time per
  full read): pybtex's public ``register_plugin`` does the same.
- myst-nb's stylesheet copied by its internal function before pages are written (so that a clean
  build and a rebuild linked it alike): the inline styles name their stylesheets without the
  ``?v=`` query instead.
- Sphinx's private ``_JavaScript`` class, to defer every script (first paint on a phone 0.1 s
  sooner, the ADHD-trials charts 0.8 s sooner), and a copy of the theme's generated
  ``webpack-macros.html`` with its digest, to leave out the theme's Font Awesome script (540 kB
  less per first load): both are done by blocks of ``_templates/layout.html``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Set (to anything) to build without the Sphinx workarounds below, to see whether they are
#: still needed: the rebuild checks (tests/test_rebuilds.py) then tell.
WITHOUT_ENV = "BOOK_WITHOUT_WORKAROUNDS"


@dataclass(frozen=True)
class Workaround:
    name: str
    #: What it does and where.
    does: str
    #: What it buys, as measured.
    gain: str
    #: The distributions it depends on and the versions it was checked against.
    checked: dict[str, str]
    #: The upstream issue, or a note that none is known.
    upstream: str


WORKAROUNDS = (
    Workaround(
        name="search index forgets vanished words",
        does="Replaces sphinx.search.IndexBuilder.prune with one that also drops words left with no "
             "page (and index entries of pages that no longer exist), reading the builder's private "
             "maps _mapping, _title_mapping and _index_entries (search_index_forgets_vanished_words).",
        gain="A rebuild writes the clean build's search index, byte for byte (without it, a data edit "
             "and its undo left searchindex.js different). The alternative that keeps the bytes, "
             "writing every page again on every rebuild with the index rebuilt from scratch, made a "
             "one-table rebuild 1.5 times as long (22.4 s against 13.5 s, median of four pairs).",
        checked={"sphinx": "7.4.7"},
        upstream="None known for the words left with no page; Sphinx's prune is discussed in "
                 "sphinx-doc/sphinx#11120 (it runs in full builds too).",
    ),
    Workaround(
        name="search index keeps index entries",
        does="Saves Sphinx's environment (a pickle, sphinx.application.ENV_PICKLE_FILENAME) again "
             "after the pages are written, because Sphinx collects a page's index entries while "
             "writing it, after it saved the environment (keep_index_entries).",
        gain="A rebuild that does not write the glossary again keeps its terms in the search index "
             "(without it the index lost them and differed from a clean build's); the alternative, "
             "writing every page on every rebuild, costs as above.",
        checked={"sphinx": "7.4.7"},
        upstream="sphinx-doc/sphinx#12599 ('indexentries' section missing results from search index "
                 "following non-fresh project rebuild), open.",
    ),
    Workaround(
        name="chapters executed into myst-nb's cache",
        does="bookbuild/preexecute.py executes the chapters before Sphinx reads them, in kernels it "
             "reuses, and stores them in the execution cache (jupyter-cache's public API) as myst-nb "
             "reads them (myst_nb.core.read.read_myst_markdown_notebook), so that myst-nb finds "
             "every chapter there. It depends on myst-nb keying the cache on the notebook that "
             "function returns.",
        gain="Faster clean builds. myst-nb's own execution, a fresh kernel per chapter, took 1.5 "
             "times as long with two parallel readers (range 1.13 to 2.67, three pairs; 1.8 times "
             "the processor time) and 1.75 times as long reading one page after another (range "
             "1.22 to 3.08, three pairs; 1.24 times the processor time).",
        checked={"myst-nb": "1.4.0", "jupyter-cache": "1.0.1"},
        upstream="None known for reusing kernels; parallel execution is executablebooks/jupyter-cache#37 "
                 "and jupyter-book/jupyter-book#1735.",
    ),
    Workaround(
        name="theme's head without Font Awesome",
        does="_templates/layout.html removes from the theme's head the output of the theme's own "
             "head_js_preload() macro (template static/webpack-macros.html of pydata-sphinx-theme), "
             "and defers scripts by rewriting Sphinx's js_tag() output.",
        gain="540 kB (gzip) less per first load of a page: 82 kB against 624 kB for the glossary; "
             "first paint on the phone profile 0.1 s sooner with every script deferred.",
        checked={"pydata-sphinx-theme": "0.17.1", "sphinx-book-theme": "1.3.0", "sphinx": "7.4.7"},
        upstream="None known for leaving out Font Awesome; the theme has no option for it.",
    ),
)


def checked_versions() -> dict[str, str]:
    """Every distribution the workarounds depend on, with the version they were checked against."""
    versions: dict[str, str] = {}
    for workaround in WORKAROUNDS:
        for name, version in workaround.checked.items():
            if versions.setdefault(name, version) != version:
                raise ValueError(f"{name} is checked at two versions: {versions[name]} and {version}")
    return versions


def version_differences() -> list[str]:
    """One message per workaround whose packages are installed at other versions than checked."""
    from importlib.metadata import PackageNotFoundError, version

    messages = []
    for workaround in WORKAROUNDS:
        for name, checked in workaround.checked.items():
            try:
                installed = version(name)
            except PackageNotFoundError:
                installed = "not installed"
            if installed != checked:
                messages.append(f"{name} is {installed}, but the workaround '{workaround.name}' was checked "
                                f"against {checked} (upstream: {workaround.upstream}). See bookbuild/upstream.py: "
                                f"check it again, then write the new version into it, or retire it.")
    return messages


def search_index_forgets_vanished_words() -> None:
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
        for gone in [d for d in self._index_entries if d not in self.env.all_docs]:
            del self._index_entries[gone]  # index entries of a page that no longer exists

    prune_and_forget.forgets_vanished_words = True
    IndexBuilder.prune = prune_and_forget


def keep_index_entries(app, exception) -> None:
    """Sphinx saves its environment before writing pages, but collects a page's index entries
    (the glossary's terms) while writing it, and the search index file does not keep them: a
    rebuild that did not write the glossary again dropped its terms from the search index. The
    environment is saved again once the pages are written, so the next build still has them."""
    if exception is not None or app.builder.format != "html":
        return
    import pickle

    from sphinx.application import ENV_PICKLE_FILENAME

    with open(Path(app.doctreedir) / ENV_PICKLE_FILENAME, "wb") as f:
        pickle.dump(app.env, f, pickle.HIGHEST_PROTOCOL)


def setup(app) -> None:
    """Install the Sphinx workarounds (called by the book's Sphinx extension)."""
    if os.environ.get(WITHOUT_ENV):
        return
    search_index_forgets_vanished_words()
    app.connect("build-finished", keep_index_entries, priority=900)

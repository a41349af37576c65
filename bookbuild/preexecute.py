"""Execute the chapters before Sphinx reads them, one kernel per core in turn, into the execution cache.

`make book` (bookbuild/build.py) runs this first. Sphinx, through myst-nb, then finds every chapter
already in the execution cache and only renders it. The result is the one myst-nb would have
produced itself, notebook for notebook (the cache matches a chapter by its code cells, the
hidden cell of its inputs' hashes included), but faster:

- Starting a kernel and importing pandas, Altair and the package take about 2 s per chapter,
  most of the work of the short ones. Here one worker process per core (bookbuild.build)
  starts one kernel and runs its chapters in it one after another. Before each chapter, the
  kernel's namespace is emptied (``%reset -f``), its counter set back to 1 and its working folder set to the chapter's,
  so every chapter starts as in a fresh kernel, except that imported modules stay imported.
  tests/test_notebooks.py executes every chapter again in a fresh kernel of its own and checks
  that it glues the same values and draws the same charts as the book shows.
- The chapters go longest first (most code cells) to whichever worker is free.

A chapter that fails here is not cached: Sphinx then executes it the usual way, in a fresh
kernel, and reports its error as for any chapter.

With ``BOOK_FRESH_KERNELS`` set to a folder (the tests' clean build of a copy sets it), every
chapter runs instead in a kernel started for it alone, with a cell before its own that refuses and
records any connection off this machine, and one after that prints the tables it loaded. Both
cells are removed before the notebook is cached, and what they saw is written to
``FOLDER/<chapter>.json``. The tests compare that build's HTML byte for byte with the book's, so
a chapter that a reused kernel runs differently from a fresh one is caught there, and they check
the fresh executions (errors, stderr, glue, the tables loaded, the network) from its cache.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import queue
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Folder for what the fresh kernels' guard and probe saw; unset, chapters share warmed-up kernels.
FRESH_KERNELS_ENV = "BOOK_FRESH_KERNELS"
#: Run in the kernel before each chapter, as a first cell that is removed again: an empty
#: namespace and the chapter's folder. (The cells are numbered afterwards, from 1, as a fresh
#: kernel numbers them.)
_FRESH_START = "%reset -f\nimport os as _os\n_os.chdir({folder!r})\ndel _os\n"


#: Run once in each kernel as it starts, while the build is still preparing the chapters: the
#: imports every chapter makes and the chart renderer's first start (about 1 s), through the
#: function the chapters draw with, for the Vega-Lite version of the installed Altair. Each chapter
#: still starts from an empty namespace; only modules stay loaded, as between any two chapters.
_WARM_UP = """
import altair, pandas
import bookview.charts, evidence.data, bookview.glue, bookview.tables
bookview.charts.static_svg({"$schema": altair.SCHEMA_URL, "data": {"values": [{"a": 1}]}, "mark": "point"})
"""


def chapter_sources() -> list[Path]:
    """Every page source that is a notebook (has code cells), the most code cells first."""
    from bookbuild.pages import page_sources

    pages = page_sources(ROOT)
    from bookbuild.sphinxext import code_cell_count

    counted = [(code_cell_count(p.read_text(encoding="utf-8")), p) for p in pages]
    return [p for n, p in sorted(counted, key=lambda c: (-c[0], str(c[1]))) if n]


def notebook_as_built(path: Path):
    """The notebook myst-nb reads from ``path`` in the build (with the hidden inputs cell)."""
    from myst_nb.core.read import read_myst_markdown_notebook

    from bookbuild.sphinxext import with_inputs_cell

    text, _ = with_inputs_cell(path.read_text(encoding="utf-8"))
    return read_myst_markdown_notebook(text, add_source_map=True, path=str(path))


def _number_from_one(notebook) -> None:
    """Number the executed cells 1, 2, ... in order, as a fresh kernel does (a reused kernel's
    counter goes on from the chapter before)."""
    count = 0
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.get("outputs", []):
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = count


def _worker(tasks, results, timeout: int) -> None:
    """Run chapters from ``tasks`` until a None arrives: in one kernel, or each in its own (fresh)."""
    import nbformat
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient

    from bookbuild.notebooks import NETWORK_GUARD, PROBE, kernel_client, probe_result

    fresh = bool(os.environ.get(FRESH_KERNELS_ENV))

    def started_kernel(folder: str):
        manager = kernel_client(nbformat.v4.new_notebook(), kernel_name="python3").create_kernel_manager()
        run_sync(manager.start_kernel)(cwd=folder, env=dict(os.environ))
        return manager

    shared = None
    try:
        if not fresh:
            shared = started_kernel(str(ROOT))
            warm = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_WARM_UP)])
            NotebookClient(warm, km=shared, timeout=timeout, allow_errors=True).execute()
        for path, text in iter(tasks.get, None):
            notebook = nbformat.reads(text, as_version=4)
            folder = str(Path(path).parent)
            first = NETWORK_GUARD if fresh else _FRESH_START.format(folder=folder)
            notebook.cells.insert(0, nbformat.v4.new_code_cell(first))
            if fresh:
                notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
            started = time.perf_counter()
            kernel = started_kernel(folder) if fresh else shared
            try:
                NotebookClient(notebook, km=kernel, timeout=timeout, allow_errors=False,
                               resources={"metadata": {"path": folder}}).execute()
                del notebook.cells[0]
                probe = probe_result(notebook.cells.pop()) if fresh else None
                _number_from_one(notebook)
                results.put((path, nbformat.writes(notebook), None, time.perf_counter() - started, probe))
            except Exception as error:  # reported by Sphinx when it executes the chapter itself
                results.put((path, None, f"{type(error).__name__}: {error}", time.perf_counter() - started, None))
            finally:
                if fresh:
                    run_sync(kernel.shutdown_kernel)(now=True)
    finally:
        if shared is not None:
            run_sync(shared.shutdown_kernel)(now=True)


def _with_outputs(notebook, executed):
    """``notebook`` as read, with the outputs of ``executed``: the cache then keys it exactly as
    the build reads it (a notebook's format version, for one, changes on its way to a kernel)."""
    if len(notebook.cells) != len(executed.cells):
        raise RuntimeError("an executed chapter came back with a different number of cells")
    for cell, done in zip(notebook.cells, executed.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = done.outputs, done.execution_count
    if "language_info" in executed.metadata:
        notebook.metadata["language_info"] = executed.metadata["language_info"]
    return notebook


class Kernels:
    """Worker processes, each with a kernel started and warmed up, waiting for chapters."""

    def __init__(self, jobs: int = 2, timeout: int = 120):
        context = multiprocessing.get_context("spawn")
        self.tasks, self.results = context.Queue(), context.Queue()
        self.workers = [context.Process(target=_worker, args=(self.tasks, self.results, timeout), daemon=True)
                        for _ in range(max(1, jobs))]
        for worker in self.workers:
            worker.start()

    def close(self) -> None:
        """Let every worker finish its chapters, shut its kernel down and exit."""
        for _ in self.workers:
            self.tasks.put(None)
        for worker in self.workers:
            worker.join(timeout=30)


def preexecute(cache_path: Path, jobs: int = 2, timeout: int = 120, kernels: Kernels | None = None) -> dict[str, float | str]:
    """Execute every chapter the cache does not hold yet; returns seconds (or the error) per chapter.
    ``kernels``: workers already started (see :class:`Kernels`); closed here either way."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache_path.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(cache_path))
    pending = []
    for path in chapter_sources():
        notebook = notebook_as_built(path)
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            pending.append((path, notebook))
    if not pending:
        if kernels is not None:
            kernels.close()
        return {}
    kernels = kernels or Kernels(min(jobs, len(pending)), timeout)
    tasks, results, workers = kernels.tasks, kernels.results, kernels.workers
    read = {str(path): notebook for path, notebook in pending}
    for path, notebook in pending:
        tasks.put((str(path), nbformat.writes(notebook)))
    outcome: dict[str, float | str] = {}
    for _ in pending:
        while True:
            try:
                path, text, error, seconds, probe = results.get(timeout=1)
                break
            except queue.Empty:
                if not any(w.is_alive() for w in workers):
                    raise RuntimeError("the chapter kernels stopped before every chapter was run") from None
        name = str(Path(path).relative_to(ROOT))
        if error is None:
            cache.cache_notebook_bundle(CacheBundleIn(_with_outputs(read[path], nbformat.reads(text, as_version=4)), path,
                                                      data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            outcome[name] = seconds
            if probe is not None:
                probes = Path(os.environ[FRESH_KERNELS_ENV])
                probes.mkdir(parents=True, exist_ok=True)
                (probes / f"{Path(path).stem}.json").write_text(json.dumps(probe, indent=1) + "\n", encoding="utf-8")
        else:
            outcome[name] = error
    kernels.close()
    return outcome


if __name__ == "__main__":
    for chapter, result in preexecute(ROOT / "_build" / ".jupyter_cache").items():
        print(f"{chapter}: {result if isinstance(result, str) else f'{result:.1f} s'}")

"""`jb build`, with chapters read (and so executed) in parallel processes, longest first.

Usage: python tools/jb_parallel.py JOBS <jb build arguments>

Jupyter Book 1's command line has no jobs option, but the function it calls to run Sphinx
takes one; this passes it on and otherwise runs `jb` unchanged. Sphinx reads in parallel only
when more than five pages are out of date and every extension declares itself safe for it
(see evidence/sphinxext.py and `latex.use_jupyterbook_latex` in _config.yml).

Sphinx hands each reader process a fixed run of pages in name order (six at a time for this
book), so one process executed the ADHD-trials chapter and five others while the second sat
idle. Here each page is its own task, the chapters with the most code cells first (the
longest-processing-time-first rule): a free process always takes the next chapter.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import jupyter_book.sphinx

ROOT = Path(__file__).resolve().parent.parent


def code_cells(docname: str) -> int:
    """How many code cells the page's source holds (0 for a page that is not a notebook)."""
    from evidence.sphinxext import code_cell_count

    source = ROOT / f"{docname}.md"
    return code_cell_count(source.read_text(encoding="utf-8")) if source.is_file() else 0


def longest_first_chunks(arguments, nproc, maxbatch=10):
    """One page per task, the pages with the most code cells first (ties in name order)."""
    return [[docname] for docname in sorted(arguments, key=lambda d: (-code_cells(d), d))]


class _FirstInFirstOut(dict):
    """Sphinx's task pool keeps its waiting tasks in a dict and starts the last one added first
    (``popitem``); this one starts them in the order they were added."""

    def popitem(self):
        key = next(iter(self))
        return key, self.pop(key)


def _tasks_in_order(tasks_class):
    class TasksInOrder(tasks_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._precvsWaiting = _FirstInFirstOut()

    return TasksInOrder


def main(argv: list[str]) -> None:
    jobs, arguments = int(argv[0]), argv[1:]
    jupyter_book.sphinx.build_sphinx = functools.partial(jupyter_book.sphinx.build_sphinx, jobs=jobs)
    import sphinx.builders

    sphinx.builders.make_chunks = longest_first_chunks
    sphinx.builders.ParallelTasks = _tasks_in_order(sphinx.builders.ParallelTasks)
    from jupyter_book.cli.main import main as jb

    jb(arguments)


if __name__ == "__main__":
    main(sys.argv[1:])

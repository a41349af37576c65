"""`jb build`, with chapters read (and so executed) in parallel processes.

Usage: python tools/jb_parallel.py JOBS <jb build arguments>

Jupyter Book 1's command line has no jobs option, but the function it calls to run Sphinx
takes one; this passes it on and otherwise runs `jb` unchanged. Sphinx reads in parallel only
when more than five pages are out of date and every extension declares itself safe for it
(see evidence/sphinxext.py and `latex.use_jupyterbook_latex` in _config.yml).
"""
from __future__ import annotations

import functools
import sys

import jupyter_book.sphinx


def main(argv: list[str]) -> None:
    jobs, arguments = int(argv[0]), argv[1:]
    jupyter_book.sphinx.build_sphinx = functools.partial(jupyter_book.sphinx.build_sphinx, jobs=jobs)
    from jupyter_book.cli.main import main as jb

    jb(arguments)


if __name__ == "__main__":
    main(sys.argv[1:])

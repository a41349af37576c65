"""Run a chapter (a MyST-markdown notebook) outside the book build, in a fresh kernel."""
from __future__ import annotations

from pathlib import Path


def executed_notebook(path: Path, extra_code: tuple[str, ...] = (), timeout: int = 300):
    """The chapter at ``path`` read with jupytext and executed with nbclient (errors kept as outputs).

    ``extra_code`` cells are appended before execution (the tests use one to ask the kernel
    what it loaded). The working directory is the chapter's folder, as in the book build.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in extra_code]
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    return notebook


def output_problems(notebook) -> list[str]:
    """Every error output and stderr stream of an executed notebook, one line each."""
    problems = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                problems.append(f"cell {index}: stderr: {output.get('text', '').strip()}")
    return problems

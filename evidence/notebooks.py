"""Run a chapter (a MyST-markdown notebook) outside the book build, in a fresh kernel."""
from __future__ import annotations

from pathlib import Path


def executed_notebook(path: Path, extra_code: tuple[str, ...] = (), timeout: int = 300,
                      prelude: tuple[str, ...] = ()):
    """The chapter at ``path`` read with jupytext and executed with nbclient (errors kept as outputs).

    ``prelude`` cells run first and ``extra_code`` cells last (the tests use them to watch the
    network and to ask the kernel what it loaded). The working directory is the chapter's
    folder, as in the book build. A cell that runs past ``timeout`` seconds stops the run and is
    recorded as an error output of that cell, like any other error.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError

    notebook = jupytext.read(path)
    notebook.cells = ([nbformat.v4.new_code_cell(code) for code in prelude] + notebook.cells
                      + [nbformat.v4.new_code_cell(code) for code in extra_code])
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    try:
        client.execute()
    except CellTimeoutError as exc:
        running = next((c for c in notebook.cells if c.get("cell_type") == "code" and c.get("execution_count") is None
                        and not c.get("outputs")), notebook.cells[-1])
        running.setdefault("outputs", []).append(nbformat.v4.new_output(
            "error", ename="CellTimeoutError", evalue=f"a cell ran longer than {timeout} s: {exc}", traceback=[]))
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

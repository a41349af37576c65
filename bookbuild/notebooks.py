"""Run a chapter (a MyST-markdown notebook) outside the book build, in a fresh kernel."""
from __future__ import annotations

import json
from pathlib import Path

#: Run before a chapter's own cells when it is checked: every connection to anything but this
#: machine is refused and recorded (the kernel's own channels are already open on loopback).
NETWORK_GUARD = """
import socket as _socket
_network_attempts = []
_connect = _socket.socket.connect

def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family in (_socket.AF_INET, _socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        _network_attempts.append(str(address))
        raise OSError("network access refused during the tests: " + str(address))
    return _connect(self, address)

_socket.socket.connect = _guarded_connect
"""

#: Run after a chapter's own cells when it is checked: prints the tables it loaded and the
#: connections the guard refused (read back by :func:`probe_result`).
PROBE = ("import json as _json, evidence.data as _d\n"
         "print('TABLES-LOADED:' + _json.dumps(_d.tables_loaded()))\n"
         "print('NETWORK:' + _json.dumps(_network_attempts))")


def probe_result(cell) -> dict | None:
    """What the probe cell printed: {"tables_loaded": [...], "network": [...]}; None if it printed nothing."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and "TABLES-LOADED:" in output.get("text", ""):
            lines = dict(line.split(":", 1) for line in output["text"].splitlines() if ":" in line)
            return {"tables_loaded": json.loads(lines["TABLES-LOADED"]), "network": json.loads(lines["NETWORK"])}
    return None


#: Configuration for every kernel the book starts: channels encrypted with CurveZMQ when the
#: kernel offers it (jupyter_client's ``transport_encryption``). ipykernel 7.3 and later warn on
#: their stderr, for every kernel started, that unencrypted channels could be read on the network.
KERNEL_CONFIG = {"KernelManager": {"transport_encryption": "auto"}}


def kernel_client(notebook, **options):
    """An nbclient ``NotebookClient`` for ``notebook`` whose kernels use :data:`KERNEL_CONFIG`."""
    from nbclient import NotebookClient
    from traitlets.config import Config

    return NotebookClient(notebook, config=Config(KERNEL_CONFIG), **options)


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
    from nbclient.exceptions import CellTimeoutError

    notebook = jupytext.read(path)
    notebook.cells = ([nbformat.v4.new_code_cell(code) for code in prelude] + notebook.cells
                      + [nbformat.v4.new_code_cell(code) for code in extra_code])
    client = kernel_client(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
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

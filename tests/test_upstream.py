"""The build's workarounds on other packages' internals (bookbuild/upstream.py) hold only for the
versions they were checked against; and the build starts on a machine of another kind."""
from __future__ import annotations

import importlib.util
import os

from conftest import ROOT
from bookbuild import upstream


def test_installed_versions_are_those_the_workarounds_were_checked_against():
    differences = upstream.version_differences()
    assert not differences, "\n".join(differences)


def test_every_workaround_says_what_it_buys_the_versions_checked_and_the_upstream_issue():
    assert upstream.WORKAROUNDS
    for workaround in upstream.WORKAROUNDS:
        assert workaround.does and workaround.gain and workaround.upstream, workaround.name
        assert workaround.checked and all(workaround.checked.values()), workaround.name
    upstream.checked_versions()  # one version per package across the workarounds


def test_the_sphinx_workarounds_are_installed_by_the_extension():
    from sphinx.search import IndexBuilder

    upstream.search_index_forgets_vanished_words()
    assert getattr(IndexBuilder.prune, "forgets_vanished_words", False)
    assert "upstream.setup(app)" in (ROOT / "bookbuild" / "sphinxext.py").read_text(encoding="utf-8")


def test_the_build_starts_where_the_system_has_no_cpu_affinity(monkeypatch):
    """macOS and Windows have no os.sched_getaffinity: the build counts every core instead."""
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    spec = importlib.util.spec_from_file_location("build_without_affinity", ROOT / "bookbuild" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.JOBS == (os.cpu_count() or 1) >= 1

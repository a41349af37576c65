# The two commands a reader needs: `make book` and `make test`. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := book

PYTHON3 ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-requirements.txt

.PHONY: book pdf test check bench reproducible unpinned clean lock vendor lab help

help:
	@echo "make book   set up .venv, execute the chapters, build the HTML book"
	@echo "make pdf    print the built book into one PDF: _build/html/fasoracetam-evidence-review-VERSION.pdf"
	@echo "make test   run the whole test suite (builds the book first if needed)"
	@echo "make check  the quick tests only: data, rules, glued values, built pages (no browser, no rebuilds)"
	@echo "make bench  time a clean build, rebuilds, the test suite; page weight per page"
	@echo "make reproducible  build twice from clean copies and compare the HTML byte for byte"
	@echo "make unpinned      build and test against the newest releases (not gating; fails saying what broke)"
	@echo "make lab    install JupyterLab into .venv and open the chapters as notebooks"
	@echo "make clean  remove the built book and the execution cache"
	@echo "make lock   re-resolve requirements.in to the exact pins of requirements.txt"
	@echo "make vendor regenerate the offline Vega bundle in _static/vendor/ from the installed vl-convert"

# The virtual environment: created once, with Python 3.11 or newer.
$(PY):
	@$(PYTHON3) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0])'
	$(PYTHON3) -m venv $(VENV)

# Install only when requirements.txt differs from what was last installed.
$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	cp requirements.txt $(STAMP)

book: $(STAMP)
	$(PY) -m bookbuild.build

# Every test (pytest.ini: on parallel workers). Timings are not tests: they live in `make bench`.
test: book
	$(PY) -m pytest

# The quick loop while editing data or prose: everything but the tests that need a browser, a
# build of a copy, fresh executions or a print (marked "slow" in tests/conftest.py).
check: book
	$(PY) -m pytest -m "not slow"

bench: $(STAMP)
	$(PY) -m bookbuild.bench

reproducible: $(STAMP)
	$(PY) -m bookbuild.reproducible

unpinned:
	bash .ci/unpinned

lab: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-lab.txt
	$(VENV)/bin/jupyter lab chapters/

vendor: $(STAMP)
	$(PY) -m bookbuild.vendor_vega

# Re-resolve requirements.in to exact pins in a throw-away environment.
lock:
	rm -rf /tmp/fasoracetam-lock && $(PYTHON3) -m venv /tmp/fasoracetam-lock
	/tmp/fasoracetam-lock/bin/pip install --quiet --disable-pip-version-check -r requirements.in
	{ echo "# Exact pins for every package the book installs. Generated from requirements.in by 'make lock';"; \
	  echo "# edit requirements.in, not this file."; \
	  /tmp/fasoracetam-lock/bin/pip freeze; } > requirements.txt

clean:
	rm -rf _build .pytest_cache

# The print edition: the built book printed by Chromium into one tagged PDF (bookbuild/pdf.py).
pdf: book
	$(PY) -m bookbuild.pdf

# sucre — everything a fresh machine with Python 3.11+ needs:
#   make demo    run the demo (embedded SQLite, no server)       make demo ARGS="--help"
#   make test    ruff + mypy + pytest on SQLite and on PostgreSQL (scripts/test.sh)
# Both create .venv and `pip install -e .[dev]` on first use, and again only when
# pyproject.toml changes (stamp file .venv/.installed).

SHELL := bash
.DEFAULT_GOAL := help

# python3.11 if it is on PATH, else python3; must be 3.11 or newer.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3)
VENV   ?= .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PIP_INSTALL := $(VPY) -m pip install --disable-pip-version-check -q
ARGS   ?=

.PHONY: help venv demo test lint bench clean distclean

help:
	@echo "make demo [ARGS=...]  run 'sucre demo' (sets up $(VENV) first)"
	@echo "make test             ruff, mypy, pytest on SQLite then PostgreSQL"
	@echo "make lint             ruff + mypy only"
	@echo "make bench            run bench/run_all.py"
	@echo "make venv             create/update $(VENV) (only reinstalls if pyproject.toml changed)"
	@echo "make clean            remove caches and build leftovers (distclean: also $(VENV))"

venv: $(STAMP)

# Re-runs when pyproject.toml is newer than the stamp, or .venv (and so the stamp) is gone.
$(STAMP): pyproject.toml
	@set -e; \
	if ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	    echo "error: sucre needs Python 3.11 or newer; PYTHON=$(PYTHON) is $$("$(PYTHON)" -c 'import platform; print("Python", platform.python_version())' 2>/dev/null || echo 'not a runnable Python')." >&2; \
	    echo "       Install Python 3.11+ or run: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11" >&2; \
	    exit 1; \
	fi; \
	if ! "$(VPY)" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	    if [ -e "$(VENV)" ]; then echo "$(VENV) is broken or older than Python 3.11: recreating it" >&2; fi; \
	    rm -rf "$(VENV)"; \
	    echo "creating $(VENV) with $$("$(PYTHON)" --version)" >&2; \
	    "$(PYTHON)" -m venv "$(VENV)" >&2; \
	fi; \
	echo "installing sucre and its dev tools into $(VENV) (pip install -e .[dev]) ..." >&2; \
	$(PIP_INSTALL) -e '.[dev]' >&2; \
	touch "$@"

# stdout is the demo's JSON document alone (the set-up above and the story write to stderr):
# `make demo > report.json` keeps a report a program can read.
demo: $(STAMP)
	@echo "$(VENV)/bin/sucre demo $(ARGS)" >&2
	@$(VENV)/bin/sucre demo $(ARGS)

test: $(STAMP)
	VENV=$(VENV) bash scripts/test.sh $(ARGS)

lint: $(STAMP)
	@rc=0; \
	echo "$(VENV)/bin/ruff check $(wildcard src tests bench)"; $(VENV)/bin/ruff check $(wildcard src tests bench) || rc=1; \
	echo "$(VENV)/bin/mypy"; $(VENV)/bin/mypy || rc=1; \
	exit $$rc

bench: $(STAMP)
	$(VPY) bench/run_all.py $(ARGS)

clean:
	rm -rf build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

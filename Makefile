# The two commands a new user runs (see README.md):
#   make demo   install, then run the main job end to end on the embedded default store
#   make test   install, then lint, type-check and run every test (PostgreSQL ones included)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: install demo test lint pytest bench clean browser docs examples

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/armstrace demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# The report's browser test drives Debian's Chromium through Playwright (never
# `playwright install`: its browser download is not available). Installed only when missing.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get install -y -q chromium chromium-driver \
	  || (apt-get update -q && apt-get install -y -q chromium chromium-driver); \
	fi

pytest: install browser
	$(BIN)/python -m pytest

test: lint pytest

bench: install
	$(BIN)/python bench/bench_ledger.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache

docs: install
	$(BIN)/python -m armstrace.entrypoints.cli.docs > docs/cli.md

# Re-run the commands shown in docs/reports.md against the demo store (make demo first).
examples: install
	$(BIN)/python -m armstrace.entrypoints.cli.examples docs/reports.md --db demo/armstrace.db

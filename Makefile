# Entry points: `make demo`, `make test` (the whole suite, as CI runs it) and `make test-fast`.
# They create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-fast lint typecheck pytest bench compare-mobgap compare-peers clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/gait demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check gait devices firmware_profiles tests benchmarks
	$(BIN)/ruff format --check gait devices firmware_profiles tests benchmarks

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# Browser tests need Debian's chromium (never a downloaded browser).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

# Line coverage of gait and devices, printed after the first run (files at 100 % left out).
# Wall-clock (realtime) tests run in a second pass without it: a traced live session falls
# behind its simulated clock on a loaded machine. CLI tests in a subprocess are not counted.
COV := --cov=gait --cov=devices --cov-report=term:skip-covered

pytest: $(VENV)/.installed-test system-deps
	$(BIN)/python -m pytest -n 2 --dist worksteal $(COV) -m "not realtime"
	$(BIN)/python -m pytest -n 2 --dist worksteal -m realtime

test: lint typecheck pytest

# The quick loop while editing: no slow, browser, real-data or wall-clock tests (markers in
# pyproject.toml). Not a substitute for `make test`, which CI runs. No coverage here: it cost
# about 50 % more CPU time on this suite.
FAST := not slow and not browser and not realdata and not realtime
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist worksteal -m "$(FAST)"

bench: $(VENV)/.installed-test
	for b in benchmarks/*.py; do \
	  case $$b in benchmarks/compare_*.py|benchmarks/_*.py) continue;; esac; $(BIN)/python $$b || exit 1; done

# mobgap pulls in a pytest plugin and numba, so it gets a venv of its own, never the test venv.
compare-mobgap:
	[ -x .venv-compare/bin/python ] || $(PYTHON) -m venv .venv-compare
	.venv-compare/bin/pip install --quiet -e '.[compare]'
	.venv-compare/bin/python benchmarks/compare_mobgap.py

# Whole-process speed against scikit-digital-health, mobgap and gaitmap (each pulls in numba,
# scikit-learn or lightgbm): a venv of its own.
compare-peers:
	[ -x .venv-peers/bin/python ] || $(PYTHON) -m venv .venv-peers
	.venv-peers/bin/pip install --quiet -e '.[peers]'
	.venv-peers/bin/python benchmarks/compare_peers.py

clean:
	rm -rf $(VENV) .venv-compare .venv-peers build *.egg-info

# Two entry points: `make run` (install + the demo served, with a delegate) and `make test` (dev install + every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test lint fmt typecheck bench clean install install-dev screenshots

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.stamp-install: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[demo]'
	touch $@

$(VENV)/.stamp-dev: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,demo]'
	touch $@

install: $(VENV)/.stamp-install
install-dev: $(VENV)/.stamp-dev

run: install
	$(BIN)/awsconn demo-server

test: install-dev
	scripts/with-test-services $(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

fmt: install-dev
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

# The web UI's pages at desktop and phone width, by its every-page browser test (a real
# server, the local moto server, Debian's chromium) into docs/screenshots/.
screenshots: install-dev
	AWSCONN_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots scripts/with-test-services \
		$(BIN)/pytest -q -p no:cacheprovider tests/web/test_ui_every_page.py \
		tests/web/test_ui_keyless_browser.py

bench: install-dev
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

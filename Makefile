VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export QT_API := pyside6

.PHONY: run test test-fast bench lint clean

$(STAMP): pyproject.toml
	scripts/install-system-deps
	test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/canvastoon resources/examples/offline_episode.ctoon

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# lint, then every test but the end-to-end ones marked slow, on every core (under 90 s on two)
test-fast: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not slow" -n auto

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

# the quick checks first: a lint error should not wait for the slow tests
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV)

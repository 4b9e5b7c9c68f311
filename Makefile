# Two entry points for a newcomer: `make build` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup build test clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,train,scale]"
	touch $@

build: setup
	$(BIN)/medinst build

test: setup
	$(BIN)/ruff check flows transforms schemas warehouse tests
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache

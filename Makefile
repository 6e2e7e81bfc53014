# Quick start:  make demo   |   make test
# Documentation:  make doc (runs the gallery)   |   make doc-noplot (faster)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOC_STAMP := $(VENV)/.installed-docs
export OMP_NUM_THREADS ?= 2
export MPLBACKEND ?= Agg

.PHONY: install demo test lint dist doc doc-noplot bench bench-accuracy bench-covariates bench-local-track clean

$(STAMP): pyproject.toml constraints-cpu.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

$(DOC_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e ".[docs]"
	touch $(DOC_STAMP)

# Warnings are errors (-W), every cross-reference must resolve (nitpicky in
# docs/conf.py) and nothing is downloaded (docs/_intersphinx). -E re-reads all
# pages, so an incremental build cannot hide an old warning; the gallery
# re-runs only the examples that changed. The examples train tiny networks,
# which run fastest on one thread.
SPHINX := OMP_NUM_THREADS=1 $(BIN)/python -m sphinx -E -W --keep-going -b html

doc: $(DOC_STAMP)
	$(SPHINX) docs docs/_build/html
	@echo "Open docs/_build/html/index.html"

doc-noplot: $(DOC_STAMP)
	$(SPHINX) -D plot_gallery=0 docs docs/_build/html
	@echo "Open docs/_build/html/index.html"

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/python -m ruff check --fix .
	$(BIN)/python -m ruff format .

# Wheel and sdist into dist/, checked as PyPI would check them. Byte-compiling
# is part of a normal build: with PYTHONDONTWRITEBYTECODE set, setuptools warns.
dist: $(STAMP)
	rm -rf dist
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m build --outdir dist .
	$(BIN)/python -m twine check --strict dist/*

bench: $(STAMP)
	mkdir -p benchmarks/results
	$(BIN)/python benchmarks/speed.py --out benchmarks/results/speed.md
	$(BIN)/python benchmarks/memory.py --n 1000000 | tee benchmarks/results/memory.json

bench-accuracy: $(STAMP)
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e ".[test,benchmark]"
	mkdir -p benchmarks/results
	$(BIN)/python benchmarks/accuracy.py | tee benchmarks/results/accuracy.md

bench-covariates: $(STAMP)
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e ".[test,benchmark]"
	mkdir -p benchmarks/results
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/covariates.py --resume | tee benchmarks/results/covariates.md

# Validation origins of the local track in two processes of one thread each
# (about 10 minutes each); SPLIT=test for the final report.
SPLIT ?= validation
bench-local-track: $(STAMP)
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e ".[test,benchmark]"
	mkdir -p benchmarks/results
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/local_track.py --split $(SPLIT) --shard 1/2 --resume > /dev/null & \
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/local_track.py --split $(SPLIT) --shard 2/2 --resume > /dev/null; \
	wait
	$(BIN)/python benchmarks/local_track.py --split $(SPLIT) --report | tee benchmarks/results/local_track_$(SPLIT).md

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
	rm -rf docs/_build docs/auto_examples docs/generated docs/sg_execution_times.rst

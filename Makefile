# Quick start:  make book   (set up everything, build the default book into build/)
#               make test   (set up everything, run the whole test suite)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: book test test-fast bench setup clean

book: $(READY)
	$(BIN)/anthology build book/book.yaml

test: $(READY)
	$(BIN)/pytest

test-fast: $(READY)
	$(BIN)/pytest -m "not slow"

bench: $(READY)
	$(BIN)/python benchmarks/run.py

setup: $(READY)

$(READY): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf build

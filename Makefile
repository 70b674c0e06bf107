# Quick start:  make book   (set up everything, build the default book into build/)
#               make test   (set up everything, run the whole test suite)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
CHECKERS := node_modules/.ready

.PHONY: book test test-fast bench bench-check bench-long-word bench-editions bench-catalogue typesetting setup clean

book: $(READY)
	$(BIN)/anthology build book/book.yaml

# CI's Hypothesis profile: the fuzz tests' full search (the fast run tries fewer examples).
test: $(READY) $(CHECKERS)
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest

test-fast: $(READY) $(CHECKERS)
	$(BIN)/pytest -m "not slow"

# What users run against a plain WeasyPrint pass, Pandoc and Typst; writes benchmarks/results.md.
# Sizes and options: make bench BENCH_ARGS="100 1000 --long-pages 300 --no-preview".
BENCH_ARGS ?=
bench: $(READY)
	bash scripts/setup-system.sh --bench
	$(BIN)/python -m pip install -q -e '.[test,icu,word,cluster,bench]'
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

bench-check: $(READY)
	$(BIN)/python benchmarks/check.py

bench-long-word: $(READY)
	$(BIN)/python benchmarks/long_word.py

# Four editions of one book against its paperback alone, and an edition set like another.
bench-editions: $(READY)
	$(BIN)/python benchmarks/editions.py

# 20 books built one by one, as one catalogue, and on a Dask LocalCluster of 2 workers; what a
# layout job costs through Dask. Adds its section to benchmarks/results.md.
# Smaller: make bench-catalogue CATALOGUE_ARGS="--books 4 --min 20 --max 40".
CATALOGUE_ARGS ?=
bench-catalogue: $(READY)
	$(BIN)/python benchmarks/catalogue.py $(CATALOGUE_ARGS)

# The long test book (300+ pages) built and read back: hyphens, ladders, widows, orphans.
typesetting: $(READY)
	$(BIN)/python benchmarks/typesetting.py

setup: $(READY) $(CHECKERS)

$(READY): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,icu,word,cluster]'
	touch $@

# Test-only checkers: Debian's chromium and Node.js, then Ace by DAISY and epub.js from npm
# (--ignore-scripts: no browser download; the tests use /usr/bin/chromium).
$(CHECKERS): package.json package-lock.json scripts/setup-system.sh
	bash scripts/setup-system.sh --test
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf build

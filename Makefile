# Two commands for a fresh machine: `make demo` and `make test`.
# Each creates .venv/ and installs geoplan into it when needed.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test bench clean

$(BIN)/geoplan: pyproject.toml geoplan/engine/_arrange.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

demo: $(BIN)/geoplan
	$(BIN)/geoplan demo

test: $(BIN)/geoplan
	$(BIN)/python -m pytest

bench: $(BIN)/geoplan
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) maps/demo benchmarks/out

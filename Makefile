# Two commands for a fresh machine: `make demo` and `make test`.
# Each creates .venv/ and installs geoplan into it when needed.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test bench clean fuzz-long asan

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

# The engine's differential fuzzer (tests/fuzz/README.md): 100,000 cases against GEOS, for the
# dissolve and for the overlay.
FUZZ_CASES ?= 100000
fuzz-long: $(BIN)/geoplan
	$(BIN)/python -m tests.fuzz.run --start 0 --count $(FUZZ_CASES) --jobs 2
	$(BIN)/python -m tests.fuzz.run --start 0 --count $(FUZZ_CASES) --jobs 2 --overlay

# The engine built with AddressSanitizer and UBSan (every block from malloc), the fuzzer run against it.
ASAN_CC ?= gcc
ASAN_SO := build/asan/_arrange$(shell $(BIN)/python -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))" 2>/dev/null)
ASAN_CASES ?= 10000
asan: $(BIN)/geoplan
	mkdir -p build/asan
	$(ASAN_CC) -shared -fPIC -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-DARRANGE_PLAIN_MALLOC -I$$($(BIN)/python -c "import sysconfig; print(sysconfig.get_paths()['include'])") \
		geoplan/engine/_arrange.c -o $(ASAN_SO)
	LD_PRELOAD="$$($(ASAN_CC) -print-file-name=libasan.so) $$($(ASAN_CC) -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(BIN)/python -m tests.fuzz.run --engine $(ASAN_SO) --start 0 --count $(ASAN_CASES) --jobs 2
	LD_PRELOAD="$$($(ASAN_CC) -print-file-name=libasan.so) $$($(ASAN_CC) -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(BIN)/python -m tests.fuzz.run --engine $(ASAN_SO) --start 0 --count $(ASAN_CASES) --jobs 2 --overlay

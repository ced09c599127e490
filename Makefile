# farside developer commands. `make run` and `make test` each set up everything they need on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.farside-installed
PYTHON ?= python3

.PHONY: run test lint bench docs iverilog outside-tools clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "farside needs Python >= 3.11 (found: $$($(PYTHON) --version 2>&1))" >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		echo "python venv module missing: installing python3-venv with apt-get" >&2; \
		apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## run: the main job: the built-in reference mission, headless (report in ./report)
run: $(STAMP)
	$(VENV)/bin/farside run --report report

## test: lint and the whole test suite, RTL (cocotb + Icarus Verilog) included
test: $(STAMP) iverilog outside-tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

## iverilog: install Icarus Verilog with apt-get when it is missing; fail loudly when that cannot be done
iverilog:
	@command -v iverilog >/dev/null 2>&1 || { \
		echo "Icarus Verilog not found: installing it with apt-get" >&2; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else \
			echo "error: iverilog is missing and apt-get needs root (run as root or install iverilog)" >&2; exit 1; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq iverilog >/dev/null || { \
			echo "error: apt-get could not install iverilog; the RTL tests need it" >&2; exit 1; }; }
	@iverilog -V 2>/dev/null | head -n 1

## outside-tools: the real outside programs the interop tests drive (a JRE for Yamcs, tshark, QEMU and the Arm
## cross-compiler), installed with apt-get when missing; fail loudly when that cannot be done
OUTSIDE_TOOLS := java:openjdk-17-jre-headless tshark:tshark qemu-system-arm:qemu-system-arm \
	arm-none-eabi-gcc:gcc-arm-none-eabi
outside-tools:
	@missing=; for pair in $(OUTSIDE_TOOLS); do command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	[ -f /usr/lib/arm-none-eabi/include/string.h ] || missing="$$missing libnewlib-arm-none-eabi"; \
	if [ -n "$$missing" ]; then \
		echo "outside tools missing:$$missing; installing them with apt-get" >&2; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else \
			echo "error:$$missing missing and apt-get needs root (run as root or install them)" >&2; exit 1; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || { \
			echo "error: apt-get could not install$$missing; the interop tests need them" >&2; exit 1; }; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

## bench: the benchmarks (not part of the pass/fail suite); figures are ratios against a baseline in the same run
bench: $(STAMP)
	$(VENV)/bin/python -m pytest tests/benchmarks -s -q -p no:cacheprovider

## docs: regenerate docs/dictionary.md from the dictionary
docs: $(STAMP)
	$(VENV)/bin/farside dict --format markdown > docs/dictionary.md

clean:
	rm -rf $(VENV) sim_build .pytest_cache .ruff_cache .hypothesis

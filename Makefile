# thumbwatch: `make demo` runs the sandbox demo, `make test` the whole test suite.
# The venv's interpreter: Debian's python3.11 where there is one. Debian builds it with
# profile-guided and link-time optimisation; a plain source build (pyenv's python3 here) runs the
# matcher about a sixth slower (BENCHMARKS.md). PYTHON=... chooses another.
SYSTEM_PYTHON := /usr/bin/python3.11
PYTHON ?= $(if $(wildcard $(SYSTEM_PYTHON)),$(SYSTEM_PYTHON),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup demo test lint bench clean

setup: $(STAMP) chromium

$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ] && [ "$(PYTHON)" = "$(SYSTEM_PYTHON)" ] \
		&& ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			echo "installing python3.11-venv (Debian's venv support for $(PYTHON))"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11-venv python3.11-dev >/dev/null; \
		else \
			echo "$(PYTHON) lacks venv support (sudo apt-get install python3.11-venv), or run make PYTHON=python3"; exit 1; \
		fi; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Debian packages: chromium (crawls, screenshots, PDF reports) and poppler-utils (pdftoppm, which
# the tests use to render a referral report's first page).
chromium:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -z "$$missing" ]; then \
		echo "chromium: $(CHROMIUM); pdftoppm: $$(command -v pdftoppm)"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null && echo "installed:$$missing"; \
	else \
		echo "Missing Debian packages:$$missing (sudo apt-get install$$missing)"; \
		echo "(instead of Debian's chromium, THUMBWATCH_CHROMIUM_PATH may name a Chromium executable)"; \
	fi

demo: setup
	$(BIN)/thumbwatch demo

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/thumbwatch bench

clean:
	rm -rf var .pytest_cache

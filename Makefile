# Two entry points: `make book` builds the book, `make test` builds it and runs the tests.
# Both create .venv with the pinned packages of requirements.lock on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test bench setup browser clean

setup: $(STAMP) browser

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[book,test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3"
	touch $(STAMP)

# The browser test drives Debian's Chromium; as root the set-up installs it with apt-get.
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else \
		echo "Chromium is missing: install Debian's chromium package for the browser test."; \
	fi

book: $(STAMP)
	$(BIN)/python -m countyres_helpers.build_book

test: book browser
	$(BIN)/python -m pytest -q

# Times the heavy steps at national scale; writes benchmarks/results/benchmarks.{csv,md}.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf _build data/cache

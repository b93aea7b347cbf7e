# Two entry points: `make book` builds the book, `make test` builds it and runs the tests.
# Both create .venv with the pinned packages of requirements.lock on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[book,test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3"
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/python -m countyres_helpers.build_book

test: book
	$(BIN)/python -m pytest -q

clean:
	rm -rf _build data/cache

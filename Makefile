# The two commands that matter: `make run` and `make test`. Both work from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test lint translations extract-messages bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d app/translations 2>&1 | tail -n 1

## Set up everything and serve the academy with demo data on SQLite.
run: $(STAMP) translations
	ACADEMY_ENV=development $(BIN)/flask db upgrade
	ACADEMY_ENV=development $(BIN)/flask demo
	ACADEMY_ENV=development $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Lint and run the whole test suite (TEST_DATABASE_URL picks PostgreSQL instead of SQLite).
test: $(STAMP) translations
	$(BIN)/ruff check app tests bench config.py
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check app tests bench config.py

## Re-extract the strings to translate and merge them into the catalogs.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs=".* __pycache__" -k _l -o app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

## Benchmarks (not part of the tests or CI): prints a table of results.
bench: $(STAMP) translations
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

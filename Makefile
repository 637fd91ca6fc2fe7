# Two commands for users: `make run` and `make test`. Everything else they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
MODELER_BUNDLE := web/static/build/modeler.js

.PHONY: run test setup install lint bench demo translations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# The administrators' BPMN modeler, bundled by esbuild from web/static/js/modeler (git-ignored, served by Flask).
$(MODELER_BUNDLE): $(NODE_STAMP) $(wildcard web/static/js/modeler/*)
	npm run --silent build

# Python and front-end packages, and the compiled message catalogues.
install: $(STAMP) $(NODE_STAMP) $(MODELER_BUNDLE)
	if [ -d web/translations ]; then $(BIN)/pybabel compile -d web/translations -D messages; fi

# Creates or upgrades the database (SQLite in instance/ unless DATABASE_URL says otherwise),
# loads the demo organisation and deploys the processes in bpmn/.
setup: install
	$(BIN)/directive-flow setup --demo-passwords

# The web application on http://127.0.0.1:$${PORT:-5000}, with a job worker beside it.
run: setup
	$(BIN)/directive-flow samples --if-empty
	$(BIN)/directive-flow serve

# The reference case through every step in a temporary database of its own, printed as a trail.
demo: install
	$(BIN)/directive-flow demo

test: setup
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench

# After changing user-facing text: collect the messages and merge them into the catalogues.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

# The two commands: `make run` (set up and run the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# The application from the lock file; then the tools to test and lint, held to the same pins.
APP := $(VENV)/.app
STAMP := $(VENV)/.installed

.PHONY: run test lint install lock bench clean

$(APP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	touch $(APP)

$(STAMP): $(APP)
	$(PIP) install --quiet -c requirements.lock -e '.[dev,postgres]'
	touch $(STAMP)

install: $(STAMP)

# After changing dependencies in pyproject.toml: pin the application's packages again.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --strip-extras --extra postgres --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml

run: $(APP)
	$(BIN)/doithoai init-db
	$(BIN)/doithoai demo
	$(BIN)/doithoai serve

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python tools/check_architecture.py

bench: $(STAMP)
	$(BIN)/python bench/bench_storage.py
	$(BIN)/python bench/bench_nlp.py
	$(BIN)/python bench/eval_classifier.py

clean:
	rm -rf $(VENV) data/doithoai.db* data/model

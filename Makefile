# Two commands on a fresh machine: `make run` and `make test`. See README.md.
HOST ?= 127.0.0.1
PORT ?= 8000
LANTERN_ENV ?= development
export HOST PORT LANTERN_ENV

.PHONY: setup run test lint bench

setup:
	@bash scripts/setup.sh

run: setup
	@.venv/bin/python manage.py seed_demo
	@bash scripts/run.sh

test:
	@WANT_BROWSER=1 bash scripts/setup.sh
	@.venv/bin/python -m pytest $(PYTEST_ARGS)

lint: setup
	@.venv/bin/ruff check .

bench: setup
	@.venv/bin/python benchmarks/intake.py

# Two commands on a fresh machine: `make run` and `make test`. See README.md.
HOST ?= 127.0.0.1
PORT ?= 8000
LANTERN_ENV ?= development
export HOST PORT LANTERN_ENV

.PHONY: setup run test lint bench lock

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

# Refresh the locks from pyproject.toml (see "Updating dependencies" in README.md): requirements.lock for the
# service (the image installs it), requirements-dev.lock adds the test tools on the same versions.
UV_COMPILE = .venv/bin/uv pip compile pyproject.toml --universal --python-version 3.12 --generate-hashes --quiet
# `make lock` keeps every pin it can (after a range changed in pyproject.toml); `make lock UPGRADE=1` takes
# the newest releases the ranges allow.
lock: setup
	@$(UV_COMPILE) $(if $(UPGRADE),--upgrade) -o requirements.lock
	@$(UV_COMPILE) --extra dev --constraint requirements.lock -o requirements-dev.lock

# The one entry point: `make run` sets up everything and serves the demo; `make test` checks;
# `make serve` runs the production setup (gunicorn, DEBUG off) locally.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make verrou" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: run test lint format venv migrate demo serve verrou clean

# The virtualenv is installed from the lock, with the hashes it records, and rebuilt when the
# lock changes (the stamp is older than it). requirements-dev.lock = requirements.lock (what
# production installs) + the dev extra, at the same versions.
$(BIN)/.installed: requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

venv: $(BIN)/.installed

migrate: venv
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py charger_demo

run: demo
	@echo "Projet social : http://$(HOST):$(PORT)/  (comptes de démonstration : agent, elu, admin ; mot de passe demo-gouesnou)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The production setup on this machine: DEBUG off, static files hashed and compressed by
# collectstatic and served by WhiteNoise, gunicorn with deploy/gunicorn.conf.py, on
# DATABASE_URL (SQLite in the project folder if unset). For a local trial over plain HTTP the
# HTTPS switches are off unless set, and a throw-away SECRET_KEY is drawn if none is set.
# charger_demo refuses to run with DEBUG off: `make demo` first for the demo's data.
serve: venv
	@export DEBUG=0 \
	  SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	  ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	  SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-0}" \
	  SECURE_HSTS_SECONDS="$${SECURE_HSTS_SECONDS:-0}" \
	  SECURE_COOKIES="$${SECURE_COOKIES:-0}" \
	  GUNICORN_BIND="$${GUNICORN_BIND:-$(HOST):$(PORT)}" && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	echo "Projet social (production, DEBUG=0) : http://$$GUNICORN_BIND/" && \
	exec $(BIN)/gunicorn projet_social.wsgi --config deploy/gunicorn.conf.py

# Re-lock after editing pyproject.toml's dependencies: pins already in the locks are kept.
# `make verrou MAJ=1` upgrades every package to the newest release within pyproject's ranges.
# The dev lock is resolved first; the production lock starts from its pins, so both agree.
verrou: venv
	$(PIP_COMPILE) $(if $(MAJ),--upgrade) --extra dev -o requirements-dev.lock pyproject.toml
	cp requirements-dev.lock requirements.lock
	$(PIP_COMPILE) -o requirements.lock pyproject.toml
	$(BIN)/python scripts/verifier_verrou.py --ecrire

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: venv
	$(BIN)/python scripts/verifier_verrou.py
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

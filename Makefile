# Podium's commands. `make run` and `make test` need only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
# The embedded tier runs on every core (pytest-xdist; each worker has its own in-memory
# SQLite and local-memory cache). The services tier stays serial: its workers would share
# one Redis database (every test flushes the cache) and start a Celery worker each.
PYTEST_WORKERS ?= auto
SERVICE_MARKERS := postgres or broker or browser
# COVERAGE=1 (CI) measures both tiers into one .coverage and `make test` then holds the floor.
COVERAGE ?=
COVERAGE_FLOOR ?= 92
COV_EMBEDDED := $(if $(COVERAGE),--cov --cov-report=)
COV_SERVICES := $(if $(COVERAGE),--cov --cov-append --cov-report=)

.PHONY: run test test-embedded test-services worker beat up bench lint lock format typecheck migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs come from the lock files (every package pinned, with hashes); requirements.txt
# and requirements-dev.txt are the human-edited inputs of `make lock`.
$(VENV)/.installed-runtime: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $@ $(VENV)/.installed-runtime

PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-find-links --no-emit-index-url --no-emit-trusted-host
## lock: re-resolve requirements.lock and requirements-dev.lock from the .txt inputs
## (add --upgrade-package NAME via LOCK_ARGS to move one package, --upgrade to move all)
lock: $(VENV)/.installed-dev
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements.lock requirements.txt
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements-dev.lock requirements-dev.txt

## run: start Podium on http://127.0.0.1:$(PORT)/ with the demo edition loaded
run: $(VENV)/.installed-runtime
	$(BIN)/python manage.py migrate --noinput
	SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/python manage.py load_demo
	SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: install the test requirements and run the whole suite (every tier this machine has)
test: test-embedded test-services
	@if [ -n "$(COVERAGE)" ]; then $(BIN)/coverage report --fail-under=$(COVERAGE_FLOOR); fi

## test-embedded: the suite on the embedded default (SQLite, inline tasks, local-memory cache)
test-embedded: $(VENV)/.installed-dev
	@echo "== Podium tests: embedded default (SQLite, inline tasks) =="
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND \
		$(BIN)/python -m pytest -m "not ($(SERVICE_MARKERS))" -n $(PYTEST_WORKERS) --durations=10 $(COV_EMBEDDED) $(PYTEST_ARGS)

## test-services: the Django tests again on the configured services, plus the PostgreSQL, broker and browser tiers
test-services: $(VENV)/.installed-dev
	@echo "== Podium tests: services (DATABASE_URL=$${DATABASE_URL:-unset}, CELERY_BROKER_URL=$${CELERY_BROKER_URL:-unset}) =="
	@if [ -n "$$DATABASE_URL" ]; then markers="not unit and not property"; else markers="$(SERVICE_MARKERS)"; fi; \
	$(BIN)/python -m pytest -m "$$markers" --durations=10 $(COV_SERVICES) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "no service tests collected"; exit 0; fi; exit $$status

## worker / beat: Celery processes for the configured broker (CELERY_BROKER_URL)
worker: $(VENV)/.installed-runtime
	$(BIN)/celery -A config worker -l INFO

beat: $(VENV)/.installed-runtime
	$(BIN)/celery -A config beat -l INFO --schedule $(VENV)/celerybeat-schedule

## up: the production process set from the Procfile (gunicorn web, worker, beat) under honcho,
## on PostgreSQL and Redis (override DATABASE_URL, REDIS_URL, CELERY_BROKER_URL)
UP_ENV = DATABASE_URL=$(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/podium) \
	REDIS_URL=$(or $(REDIS_URL),redis://127.0.0.1:6379/0) \
	CELERY_BROKER_URL=$(or $(CELERY_BROKER_URL),redis://127.0.0.1:6379/1) \
	PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/$(VENV)/metrics PATH=$(CURDIR)/$(BIN):$$PATH
up: $(VENV)/.installed-dev
	rm -rf $(VENV)/metrics && mkdir -p $(VENV)/metrics
	$(UP_ENV) $(BIN)/python manage.py migrate --noinput
	$(UP_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(UP_ENV) $(BIN)/honcho start -p $(PORT)

## bench: the benchmarks in bench/ against PostgreSQL and Redis (see bench/RESULTS.md)
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## lint: the pre-commit hooks CI runs (.pre-commit-config.yaml; all local, from this virtualenv)
lint: $(VENV)/.installed-dev
	PATH=$(CURDIR)/$(BIN):$$PATH PRE_COMMIT_HOME=$(CURDIR)/$(VENV)/pre-commit $(BIN)/pre-commit run --all-files --show-diff-on-failure

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djlint --reformat templates

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy .

migrate: $(VENV)/.installed-runtime
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/python manage.py load_demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache staticfiles .coverage

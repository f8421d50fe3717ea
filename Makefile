# Two commands matter: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test install install-dev lint format check worker beat lock vendor clean typecheck deadcode deadcode-whitelist messages

help:
	@echo "make run    - install, migrate, load the demo programme, serve on http://127.0.0.1:8000"
	@echo "make test   - run the test suite (PostgreSQL if DATABASE_URL is set, SQLite otherwise)"
	@echo "make lint   - ruff, vulture, mypy, migrations and deployment checks"
	@echo "make worker / make beat - a Celery worker / the scheduler (needs CELERY_BROKER_URL)"
	@echo "make lock   - re-pin requirements/*.txt from pyproject.toml"
	@echo "make messages - compile locale/*.po after editing one (needs GNU gettext; the .mo is committed)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-base: $(BIN)/python requirements/base.txt
	$(BIN)/python -m pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python requirements/dev.txt
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $@ $(VENV)/.installed-base

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.installed-base

install-dev: $(VENV)/.installed-dev
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory node_modules/.package-lock.json; \
	else \
		echo "npm not found: axe-core is not installed, so browser tests will be skipped."; \
	fi

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Two processes where there are two cores (pytest-xdist), coverage of the product's
# code (failing under the floor in pyproject.toml), and the five slowest tests.
test: install-dev
	$(BIN)/python -m pytest -n auto --dist worksteal --cov --cov-report=term --durations=5 $(PYTEST_ARGS)

PRODUCT := core partners applications placements evaluations knowledge_exchange
VULTURE := $(BIN)/vulture --exclude "*/migrations/*,*/settings/*" --min-confidence 60 $(PRODUCT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory deadcode
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=knowledge_exchange.settings.production \
	SECRET_KEY=lint-only-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ \
	DJANGO_ALLOWED_HOSTS=knowledge-exchange.example \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

typecheck: install-dev
	$(BIN)/mypy

# Unused code, apart from the names Django and the templates use (the whitelist).
deadcode: install-dev
	$(VULTURE) tests/architecture/vulture_whitelist.py

deadcode-whitelist: install-dev
	@echo "Review the diff: only names used by Django, templates or settings belong there."
	-{ sed -n '1,6p' tests/architecture/vulture_whitelist.py; $(VULTURE) --make-whitelist; } \
		> tests/architecture/vulture_whitelist.new
	mv tests/architecture/vulture_whitelist.new tests/architecture/vulture_whitelist.py

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A knowledge_exchange worker --loglevel=info

beat: install
	$(BIN)/celery -A knowledge_exchange beat --loglevel=info

lock: install-dev
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/base.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra dev -o requirements/dev.txt pyproject.toml

# Bootstrap's files are kept in static/ so `make run` needs no Node.js;
# this refreshes them from the version pinned in package.json.
vendor: node_modules/.package-lock.json
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	   node_modules/bootstrap/LICENSE static/vendor/bootstrap/

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache .mypy_cache .coverage htmlcov

# The compiled catalogues are committed, so serving needs no gettext; after editing a
# .po, compile and commit both (tests/core/test_locale.py fails until they agree).
messages: $(VENV)/.installed-dev
	cd locale && ../$(BIN)/python ../manage.py compilemessages --ignore=.venv

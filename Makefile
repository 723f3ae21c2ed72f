# Aluma's rosacea assistant. `make run` to start it, `make test` for the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# Rasa 3.6 needs Python 3.10: take the first interpreter that really is 3.10 (pyenv keeps it
# under ~/.pyenv/versions even when `python3.10` is not on PATH).
PYTHON310 ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 \
	/usr/local/bin/python3.10 /usr/bin/python3.10; do \
	if $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)

export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED ?= false
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export PYTHONDONTWRITEBYTECODE ?= 1

.PHONY: help install spacy train run run-prod shell test test-fast lint format bench crossval lock clean browser

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock requirements/nodeps.txt pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 is required (e.g. pyenv install 3.10)"; exit 1; }
	$(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.3.1
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -r requirements/nodeps.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

install: $(VENV)/.installed ## Create the venv and install the pinned dependencies (once)

spacy: install ## Build the project's spaCy pipeline (only when its files changed)
	@$(PY) -m bot.nlp.build

train: spacy ## Train the Rasa model (only when data or config changed)
	@$(BIN)/bot train

run: train ## Install, build, train if stale, then start Rasa (:5005) and the action server (:5055)
	@$(BIN)/bot run

run-prod: train ## The scaled-out set-up: PostgreSQL, Redis, two Rasa replicas, nginx on :8080 (apt-get installs them)
	@$(BIN)/bot run-prod

shell: train ## Chat in the terminal (starts the action server unless one is running)
	@curl -sf localhost:5055/health >/dev/null || { $(PY) -m bot.action_server --port 5055 & }; \
	$(PY) -m rasa shell --model models --endpoints endpoints.yml --port 5006

lint: install ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot actions tests bench testkit

format: install ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

browser: ## Debian's chromium for the widget's browser tests (installed once; needs root or sudo)
	@command -v chromium >/dev/null || { \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$sudo apt-get update && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y chromium; }

# Three test processes, a file each (pytest-xdist): alone the suite keeps one of two cores
# busy, waiting on servers, browsers and sockets (docs/testing.md has the times of 1, 2 and 3).
# TEST_PROCESSES=0 runs it in one.
TEST_PROCESSES ?= 3
XDIST = $(if $(filter-out 0,$(TEST_PROCESSES)),-n $(TEST_PROCESSES) --dist loadfile)

# The model trains from the start (its own session, so that a failed lint stops it with its
# `rasa train`); the tests that need it wait for it (testkit/model_run.py, bot/training.py).
test: spacy ## The whole suite: lint, data validation, stories, NLU gate, actions, end to end
	@mkdir -p build; setsid $(BIN)/bot train > build/train.log 2>&1 & trainer=$$!; \
	trap 'kill -- -$$trainer 2>/dev/null' EXIT; \
	$(MAKE) --no-print-directory lint browser && $(PY) -m pytest $(XDIST)

# The editor's command tests (`bot faq` on copies of the project) and the two that run Rasa's
# validator take about two minutes more; `make test` runs them.
test-fast: install ## Unit tests only: no model, no Rasa servers, no editor subprocesses (< 2 min)
	$(PY) -m pytest $(XDIST) -m "not model and not servers" --ignore=tests/test_faq_cli.py --ignore=tests/test_faq_languages.py \
		-k "not rasa_data_validate"

bench: train ## Latency, memory, NLU quality, widget-size and live chat benchmarks (results in bench/results/)
	$(PY) -m bench.latency
	$(PY) -m bench.nlu_eval dev
	$(PY) -m bench.widget_size
	$(PY) -m bench.live_chat

crossval: spacy ## NLU cross-validation with and without our spaCy pipeline (slow)
	$(PY) -m bench.crossval

lock: ## Re-resolve requirements/*.in into requirements.lock
	rm -rf /tmp/aluma-lock && $(PYTHON310) -m venv /tmp/aluma-lock
	/tmp/aluma-lock/bin/pip install --quiet pip==24.3.1 && \
	/tmp/aluma-lock/bin/pip install --quiet -r requirements/main.in -r requirements/dev.in
	( echo "# Fully resolved, pinned environment (Python 3.10). Regenerate with \`make lock\`."; \
	  /tmp/aluma-lock/bin/pip freeze ) > requirements.lock  # requirements/nodeps.txt stays apart

clean: ## Remove the venv, built pipeline, models and local data
	rm -rf $(VENV) build models .rasa .pytest_cache .mypy_cache .ruff_cache

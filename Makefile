# Two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes: two cores, and a third worker to use the time the others wait on
# gunicorn, Celery and PostgreSQL. Tests that start servers share one worker (xdist_group).
WORKERS ?= 3
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist loadgroup
# One lock per dependency set in pyproject.toml, each complete and hashed.
LOCK := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--quiet --custom-compile-command "make lock"

.PHONY: run test test-fast lint install lock browser db demo clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# A developer's environment: runtime + test + dev tools, exactly as locked (hashes checked).
$(STAMP): requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	touch $(STAMP)

# Compiled catalogues are build output: made from the committed .po files.
translations/ko/LC_MESSAGES/messages.mo: translations/ko/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d translations

install: $(STAMP) translations/ko/LC_MESSAGES/messages.mo

# After changing dependencies in pyproject.toml: re-resolve the three locks. A version
# already locked stays unless it must move (uv prefers the pins in the output file);
# `make lock UPGRADE=--upgrade` takes the newest of everything.
lock: $(STAMP)
	$(LOCK) $(UPGRADE) -o requirements.txt
	$(LOCK) $(UPGRADE) --group test -c requirements.txt -o requirements/test.txt
	$(LOCK) $(UPGRADE) --group dev -c requirements/test.txt -o requirements/dev.txt

# After changing user-visible strings: extract them and merge into the Korean catalogue.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l ko

# Browser tests drive Debian's Chromium (Playwright's own download does not work here).
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "Browser tests need Chromium and CJK fonts: sudo apt-get install chromium fonts-noto-cjk"; \
		fi \
	fi

db: install
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo

run: demo
	./scripts/run.sh

# Everything, in parallel.
test: install browser
	$(PYTEST)

# The quick answer while working: all but the tests that start servers, workers or a browser,
# and the hypothesis sweeps over every route (two fifths of the suite's time between them).
test-fast: install
	$(PYTEST) -m "not integration and not browser and not sweep"

# What CI enforces; pre-commit runs the same on each commit (`pre-commit install`).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache

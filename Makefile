# Two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install browser db demo clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

# Compiled catalogues are build output: made from the committed .po files.
translations/ko/LC_MESSAGES/messages.mo: translations/ko/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d translations

install: $(STAMP) translations/ko/LC_MESSAGES/messages.mo

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

test: install browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check coordinator tasks tests bench config.py wsgi.py 2>/dev/null || true

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

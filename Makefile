# Two commands do all the set-up on a fresh machine:
#   make serve   venv + dependencies, builds the index if missing, serves on 127.0.0.1:8000
#   make test    venv + dependencies (+ test tools), runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser serve test index eval bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first, from the pinned CPU build: anything else would pull a CUDA build.
	$(BIN)/pip install --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

serve: setup
	$(BIN)/askintl serve

index: setup
	$(BIN)/askintl index

eval: setup
	$(BIN)/askintl eval ../shared/eval/dev.jsonl ../shared/eval/dev-conversations.jsonl

# Debian's Chromium for the widget tests (Playwright drives it; nothing is downloaded).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

test: setup browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) index

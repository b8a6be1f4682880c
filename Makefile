# The two commands a newcomer needs: `make run` and `make test`. Both set everything up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# One stamp per need: running needs the package alone (aiohttp), testing adds the test
# and dev extras. Those include the package, so installing them stamps both.
RUN_INSTALLED := $(VENV)/.run-installed
INSTALLED := $(VENV)/.installed
NODE_SDK := tests/node/node_modules/.installed
PYTEST_ARGS ?=
# The suite runs in parallel (pytest-xdist), each worker stealing from the others' queues
# near the end: one worker more than there are cores, so that while one waits (a browser's
# poll, a subprocess starting) the others keep every core busy. PYTEST_WORKERS=0 runs it
# in one process.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
# The test extras are installed by uv (pip installs it first): it resolves and fetches
# in parallel, where pip takes most of a minute.
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv

# The suite starts Python processes by the hundred (the command line, the examples): let
# each reuse the bytecode the first one wrote, even on a machine that turns writing it off.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test bench lint setup clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Running needs the package's dependencies alone (aiohttp), as pyproject.toml lists them:
# the checkout itself runs (python -m emulator), nothing is built.
$(RUN_INSTALLED): pyproject.toml | $(PY)
	$(PY) -c 'import subprocess, sys, tomllib; \
	    needs = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; \
	    sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", *needs]))'
	touch $@

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(UV) pip install --quiet --python $(PY) -e '.[test,dev]'
	touch $@ $(RUN_INSTALLED)

# The baselines the benchmarks compare against (moto's server, boto3): only `make bench`.
BENCH_INSTALLED := $(VENV)/.bench-installed
$(BENCH_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@

# The official Node.js SDK, used by the cross-language tests.
$(NODE_SDK): tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser of the dashboard's end-to-end tests: Debian's Chromium, driven by Playwright
# (whose own browser downloads cannot be reached offline).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation

setup: $(INSTALLED) $(NODE_SDK) $(CHROMIUM)

run: $(RUN_INSTALLED)
	$(PY) -m emulator serve

test: setup
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check emulator tests bench
	$(VENV)/bin/mypy

bench: $(BENCH_INSTALLED)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) tests/node/node_modules

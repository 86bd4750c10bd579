# The two commands a reader needs: `make book` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
# One BLAS thread per pytest worker: JOBS workers with multi-threaded BLAS each would oversubscribe the cores.

.PHONY: book test lint lab bench browser clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## make book: execute the chapters and build the HTML book into _build/html (offline).
book: $(STAMP)
	TQDM_DISABLE=1 $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "Open _build/html/index.html"

## make test: lint, unit/gradient/parity tests, the notebooks on both backends, the book build, the browser.
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb))
PYTEST    := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
             $(BIN)/python -m pytest -n $(JOBS) --dist loadscope -p no:cacheprovider
# A kernel gets 120 s to come up (nbval's default is 60) on a loaded 2-core machine; chapters/conftest.py
# starts one that still fails again.
NBVAL     := --nbval-lax --nbval-kernel-startup-timeout=120

test: $(STAMP) browser
	$(BIN)/ruff check .
	DLBOOK_BACKEND=numpy $(PYTEST) tests $(if $(NOTEBOOKS),$(NBVAL) $(NOTEBOOKS))
ifneq ($(NOTEBOOKS),)
	DLBOOK_BACKEND=torch $(PYTEST) $(NBVAL) $(NOTEBOOKS)
endif

lint: $(STAMP)
	$(BIN)/ruff check .

## Debian's chromium for the browser test, installed when missing and we are root.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and not root: the browser test will be skipped"; fi; }

## make lab: open the chapters in JupyterLab.
lab: $(STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) chapters/

## make bench: NumPy / torch-CPU time ratios, measured side by side.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf _build .pytest_cache .hypothesis test-artifacts
	find . -name __pycache__ -prune -exec rm -rf {} +

# Two commands do all the set-up on a fresh machine:
#   make book   run every notebook on the embedded corpus and build the site
#   make test   run the test suite
# Both create the virtual environment (.venv) first if it is missing or out of date.

PYTHON ?= python3
VENV   ?= .venv
PRESET ?= default
BIN    := $(VENV)/bin

.PHONY: book test test-fast lab venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

book: venv
	$(BIN)/adl book --preset $(PRESET)

test: venv
	$(BIN)/python -m pytest

test-fast: venv
	$(BIN)/python -m pytest -m "not slow"

# JupyterLab on the notebooks, with the project's environment as the kernel. A chapter run with
# its default parameters reads and writes what `make book` does for the same preset
# (adl.book.paths): data in ./data, runs and tables in ./build/outputs/<preset>/ ($ADL_BUILD_DIR
# moves ./build for both), so after `make book` every chapter runs top to bottom in seconds,
# reusing every finished run. `make book` also leaves a screenshot of each chapter in
# ./build/screenshots/<preset>/.
lab: venv
	ADL_DATA_ROOT=$(CURDIR)/data $(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf build book/_build

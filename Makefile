# Two commands for a fresh machine: `make conformance` (the main job) and `make test`.
# Both create .venv and install the project into it the first time.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: conformance test lint type tox ground-truth mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,pyjwt]'
	$(BIN)/python -m pip install --quiet -e '.[authlib,joserfc]'
	touch $(STAMP)

$(VENV)/.mutation-stamp: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	touch $@

conformance: $(STAMP)
	$(BIN)/jwkconform run

# worksteal: the 140 mutant runs (10 s each) sit in one module, and pytest-randomly keeps a
# module's tests together; handed out in chunks, they left one worker busy for minutes
# after the other ran dry. Bytecode is written even where PYTHONDONTWRITEBYTECODE is set:
# the tests start some 200 Python processes that import the same modules (1.2 s saved each).
test: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n auto --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

type: $(STAMP)
	$(BIN)/tox -e type

# Every real library (PyJWT, jose, go-oidc, Nimbus, jwx) on five fresh seeds against its ground truth.
ground-truth: $(STAMP)
	JWKCONFORM_GROUND_TRUTH_ROUNDS=5 $(BIN)/pytest -n 2 -p no:randomly tests/harness/test_libraries.py -v

tox: $(STAMP)
	$(BIN)/tox

# The mutation score of the reference (docs/mutation.md); about an hour, not part of CI.
mutation: $(VENV)/.mutation-stamp
	$(BIN)/python benchmarks/mutation.py

clean:
	rm -rf $(VENV) .tox build *.egg-info

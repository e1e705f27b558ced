# The two commands a newcomer needs: `make demo` and `make test`.
# Each creates or refreshes .venv/ from pyproject.toml first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.synthaudit-installed

.PHONY: demo test test-fast lint venv bench clean-venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "synthaudit needs Python 3.11+"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

# The demo estate is planted with problems, so `synthaudit run` exits 1 (findings at or above
# thresholds.fail_on) when it works; only 2 (a phase failed, bad input) fails `make demo`.
demo: $(STAMP)
	@$(BIN)/synthaudit run --params params/demo.yaml; rc=$$?; \
	if [ $$rc -eq 1 ]; then echo "make demo: done; exit code 1 = findings at or above thresholds.fail_on, as planted in the demo estate"; exit 0; fi; \
	exit $$rc

# Two tiers; the rule that puts a test in one is in tests/conftest.py. `test` runs both: the fast
# tier on every core (with the `isolated` slow tests, which share nothing: one worker starts them
# first), then the other slow tests and the runbooks under nbval in ONE pytest session (one
# process), so they share one demo estate and one full demo run. `test-fast` needs no moto server
# and no Jupyter kernel.
test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow or isolated" -n auto tests
	$(BIN)/python -m pytest -q -m "slow and not isolated" --nbval-lax tests runbooks

# The fast tier on every core (pytest-xdist); its tests share no session fixture.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n auto tests

# ruff, rules in pyproject.toml; CI (.ci/run) runs it before `make test`.
lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,peers]'
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean-venv:
	rm -rf $(VENV)

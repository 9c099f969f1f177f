# Pinggu — the two commands a user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BIND ?= 127.0.0.1:8000
DEMO_PASSWORD ?= Pinggu@2020demo

.PHONY: install run check test lock clean messages wheelhouse

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the dependency list or the lock changes.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# On an existing data directory this only migrates and serves: `pinggu demo` creates what is missing
# (DEMO_PASSWORD is for accounts it creates) and never touches existing accounts, passwords or campaigns.
run: install
	$(BIN)/pinggu migrate --no-input
	$(BIN)/pinggu demo --password '$(DEMO_PASSWORD)'
	$(BIN)/pinggu serve --bind $(BIND)

# Static checks (settings in pyproject.toml): the layers, the linter, then the type checker.
check: install
	$(BIN)/lint-imports  # the layers run one way (pyproject.toml, docs/architecture.md)
	$(BIN)/ruff check pinggu tests
	$(BIN)/mypy

test: check
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Regenerate the pinned lock from the currently installed environment.
messages:  ## after changing texts: refresh the English catalog, then translate the new entries in the .po file
	cd pinggu && ../$(BIN)/pinggu makemessages -l en --ignore "static/*" --no-obsolete
	cd pinggu && ../$(BIN)/pinggu compilemessages -l en

lock: install
	$(BIN)/pip freeze --exclude-editable | grep -v '^pinggu' > requirements.lock

# For an intranet machine without internet (docs/deployment.md): on a connected machine of the same architecture and
# Python version, every runtime dependency at its version in requirements.lock plus Pinggu's own wheel, the offline
# installer, deploy/ and the deployment docs, in wheelhouse/ and one tarball. WHEELHOUSE_EXTRAS=test adds the tests' deps.
# Check it with scripts/wheelhouse-smoke.sh wheelhouse (installs with --no-index into a fresh virtualenv and runs it).
WHEELHOUSE ?= wheelhouse
WHEELHOUSE_EXTRAS ?=
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
wheelhouse: $(BIN)/python
	rm -rf $(WHEELHOUSE) build pinggu-wheelhouse-$(VERSION).tar.gz  # a stale build/ would put deleted files in the wheel
	$(BIN)/pip wheel --no-deps --wheel-dir $(WHEELHOUSE) .
	$(BIN)/pip wheel --wheel-dir $(WHEELHOUSE) -c requirements.lock \
		"$$(ls $(WHEELHOUSE)/pinggu-$(VERSION)-*.whl)$(if $(WHEELHOUSE_EXTRAS),[$(WHEELHOUSE_EXTRAS)])"
	cp scripts/install-offline.sh $(WHEELHOUSE)/install.sh
	cp -R deploy $(WHEELHOUSE)/deploy
	mkdir -p $(WHEELHOUSE)/docs && cp docs/部署.md docs/deployment.md docs/operations.md $(WHEELHOUSE)/docs/
	cd $(WHEELHOUSE) && sha256sum *.whl > SHA256SUMS
	tar -czf pinggu-wheelhouse-$(VERSION).tar.gz $(WHEELHOUSE)
	@echo "$(WHEELHOUSE)/ and pinggu-wheelhouse-$(VERSION).tar.gz: copy to the intranet machine, then sh $(WHEELHOUSE)/install.sh /opt/pinggu/venv"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis $(WHEELHOUSE) build

# The few commands a newcomer needs. Both main targets set up everything
# themselves on a fresh Debian machine (run as root, Python 3.11):
#   make run    the platform on the embedded default, http://localhost:6543
#   make test   every test (installs the system packages the tests need)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(dir $(wildcard plugins/*/setup.cfg)))
APT_TEST_PACKAGES := postgresql softhsm2 opensc slapd ldap-utils nginx chromium fonts-dejavu-core systemd

.PHONY: run test lint venv system-packages clean-var

# Debian's python3 has no ensurepip (so `-m venv` fails) until python3.X-venv
# is installed; pyenv's and python.org's builds carry it. The target is pip,
# not python: a venv left without pip by a failed attempt is made again.
$(BIN)/pip:
	@if ! $(PYTHON) -c "import ensurepip" 2>/dev/null; then \
	  pkg=$$($(PYTHON) -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])'); \
	  echo "$(PYTHON) has no ensurepip: installing $$pkg"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$pkg; \
	fi
	$(PYTHON) -m venv $(VENV)

# Editable installs of the core and every plugin, redone when a setup.cfg changes.
# The test kit (pytest_opalexe/) is named in the same pip command as the core's
# test extra that requires it, so pip takes it from the checkout.
$(VENV)/.installed: $(BIN)/pip setup.cfg pyproject.toml pytest_opalexe/setup.cfg $(addsuffix setup.cfg,$(PLUGINS))
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ./pytest_opalexe -e '.[test]' $(foreach p,$(PLUGINS),-e '$(p)[test]')
	touch $@

venv: $(VENV)/.installed

run: venv
	@if [ ! -e var/Data.fs ]; then $(BIN)/opalexe -c development.ini init --demo; fi
	$(BIN)/pserve development.ini

system-packages:
	@missing=""; for p in $(APT_TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q$$missing; \
	fi

lint: venv
	$(BIN)/ruff check .

test: system-packages venv lint
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests were collected: failing" >&2; exit 1; fi; exit $$rc

clean-var:
	rm -rf var

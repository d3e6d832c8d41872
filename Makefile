# The few commands a newcomer needs. Both main targets set up everything
# themselves on a fresh Debian machine (run as root, Python 3.11):
#   make run    the platform on the embedded default, http://localhost:6543
#   make test   every test (installs the system packages the tests need)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(dir $(wildcard plugins/*/setup.cfg)))
# What the platform itself needs from Debian: SoftHSM2 (the development
# token holding the documents' master key) and libmagic (file formats).
APT_RUN_PACKAGES := softhsm2 libmagic1
APT_TEST_PACKAGES := $(APT_RUN_PACKAGES) postgresql opensc slapd ldap-utils nginx chromium fonts-dejavu-core systemd
# The development token, under var/ (development.ini names it).
DEV_TOKEN := var/softhsm/softhsm2.conf

.PHONY: run test lint venv system-packages run-packages clean-var

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

# `opalexe init` is idempotent: it creates the database (with the demo data
# the first time) and the documents' master key in the token when missing.
run: run-packages venv $(DEV_TOKEN)
	$(BIN)/opalexe -c development.ini init $$([ -e var/Data.fs ] || echo --demo)
	$(BIN)/pserve development.ini

# A SoftHSM2 token of its own for development, PIN 1234 (development.ini).
$(DEV_TOKEN):
	mkdir -p var/softhsm/tokens
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
	  "$(CURDIR)/var/softhsm/tokens" > $@.tmp
	SOFTHSM2_CONF=$(CURDIR)/$@.tmp softhsm2-util --init-token --free --label opalexe-dev --pin 1234 --so-pin 12345678
	mv $@.tmp $@

# Installs the Debian packages named in $(1) that are missing.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q$$missing; \
	fi
endef

run-packages:
	$(call apt_install,$(APT_RUN_PACKAGES))

system-packages:
	$(call apt_install,$(APT_TEST_PACKAGES))

lint: venv
	$(BIN)/ruff check .

test: system-packages venv lint
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests were collected: failing" >&2; exit 1; fi; exit $$rc

clean-var:
	rm -rf var

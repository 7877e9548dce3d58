# The two commands a user needs: `make deploy` (the dev stack on this machine)
# and `make test` (every gate CI runs). Both create and reuse .venv.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
BIN      := $(CURDIR)/$(VENV)/bin
PYTHON   ?= python3
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
COLLECTION := collections/ansible_collections/assistant/containers
INVENTORY  ?= inventories/dev
PLAY       := $(BIN)/ansible-playbook -i $(INVENTORY)

.PHONY: help venv engine images deploy lint sanity unit molecule test clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.toolchain: requirements/toolchain.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/toolchain.txt
	@touch $@

venv: $(VENV)/.toolchain  ## Create or update the pinned toolchain in .venv

engine: venv  ## Install and start the Docker engine on the inventory's hosts
	$(PLAY) playbooks/engine.yml

images: engine  ## Obtain every third-party image (official, mirror, or built from Debian packages)
	$(PLAY) playbooks/images.yml

deploy: images  ## Deploy the dev stack on this machine
	@echo "The engine and the images are ready. The deploy playbook is not merged yet (see README, Status)."

lint: venv  ## yamllint, ansible-lint (production profile) and ruff
	$(BIN)/yamllint --strict .
	$(BIN)/ansible-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

sanity: venv  ## ansible-test sanity for the collection (no ignore file)
	@scripts/ansible-test-bootstrap.sh
	cd $(COLLECTION) && $(BIN)/ansible-test sanity --python 3.11 --local --requirements

unit: venv  ## Unit tests of the collection's Python code
	cd $(COLLECTION) && $(BIN)/python -m pytest -q tests/unit

molecule: images  ## Every Molecule scenario (molecule test --all)
	$(BIN)/molecule test --all

test: venv  ## Every gate, in stages, with each stage's duration at the end
	@scripts/run-stages.sh lint sanity unit engine images molecule

clean:  ## Remove the virtualenv and caches (containers and volumes are left alone)
	rm -rf $(VENV) .cache

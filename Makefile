# The two commands a user needs: `make deploy` (the dev stack on this machine)
# and `make test` (every gate CI runs). Both create and reuse .venv.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
BIN      := $(CURDIR)/$(VENV)/bin
PYTHON   ?= python3
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Tools that download (uv, pip inside ansible-test) trust the machine's CA store,
# which holds a TLS-intercepting proxy's CA where there is one.
export SSL_CERT_FILE ?= $(wildcard /etc/ssl/certs/ca-certificates.crt)
COLLECTION := collections/ansible_collections/assistant/containers
INVENTORY  ?= inventories/dev
# The stage and prod inventories' vaults. Tests use the committed test vault;
# real deployments pass their own: make ... VAULT_PASSWORD_FILE=~/.vault-pass
# (the playbooks that change hosts refuse the committed test vaults unless the
# inventory sets deploy_allow_test_vault: true; playbooks/vault_check.yml).
VAULT_PASSWORD_FILE ?= tests/vault/test-vault-password
# Extra ansible-playbook arguments for any target, e.g. ARGS='--skip-tags docker_engine -e key=value'.
ARGS       ?=
PLAY       := $(BIN)/ansible-playbook -i $(INVENTORY) $(if $(filter %/dev inventories/dev,$(INVENTORY)),,--vault-password-file $(VAULT_PASSWORD_FILE)) $(ARGS)
TOOLCHAIN  := requirements/toolchain.txt requirements/scanners.txt

.PHONY: help venv engine images build registry push deploy rollback status destroy backup restore logs exec shell ps \
	compose-files reference lock lint sanity unit app-test image-test conformance drift compose-test molecule molecule-swarm \
	molecule-pristine molecule-pristine-all molecule-remote test bench clean faults security

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.toolchain: $(TOOLCHAIN)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(addprefix -r ,$(TOOLCHAIN))
	@touch $@

venv: $(VENV)/.toolchain  ## Create or update the pinned toolchain in .venv

engine: venv  ## Install and start the Docker engine on the inventory's hosts
	$(PLAY) playbooks/engine.yml

images: engine  ## Obtain every third-party image (official, mirror, or built from Debian packages)
	$(PLAY) playbooks/images.yml

build: images  ## Build the application image and run its gates
	$(PLAY) playbooks/build.yml

registry: engine  ## Start the dev registry (with authentication)
	$(PLAY) playbooks/registry.yml

push: build registry  ## Push the gated application image to the inventory's registry
	$(PLAY) playbooks/push.yml

deploy: venv  ## Deploy the stack (dev on this machine by default): engine, images, build, deploy
	$(PLAY) deploy.yml

rollback: venv  ## Roll back to the previous release (or RELEASE=id)
	$(PLAY) playbooks/rollback.yml $(if $(RELEASE),-e deploy_rollback_to=$(RELEASE))

status: venv  ## Per-service health, versions and releases
	$(PLAY) playbooks/status.yml

destroy: venv  ## Bring the stack down (data volumes are kept)
	$(PLAY) playbooks/destroy.yml

backup: venv  ## A verified backup of PostgreSQL (restored into a throwaway database, row counts compared)
	$(PLAY) playbooks/backup.yml

restore: venv  ## Restore the newest good backup (or BACKUP=id) after checking it; refused with the data untouched otherwise
	$(PLAY) playbooks/restore.yml $(if $(BACKUP),-e backup_restore_id=$(BACKUP))

# Operator commands. The playbook finds the stack's containers on the inventory's hosts and
# writes the docker command to a temporary file; scripts/stack-command.py runs it here (with
# DOCKER_HOST=ssh://... for a remote host), so that a shell has a terminal and followed logs
# stream. docs/operations.md explains why.
STACK_COMMAND = f=$$(mktemp -t assistant-stack-command.XXXXXX) && trap 'rm -f "$$f"' EXIT && \
	$(PLAY) -e stack_command_file=$$f $(1) && $(BIN)/python scripts/stack-command.py $$f

logs: venv  ## Logs of the stack, or SERVICE=api; FOLLOW=1 follows, TAIL=100 the last lines
	$(call STACK_COMMAND,playbooks/logs.yml $(if $(SERVICE),-e stack_command_service=$(SERVICE)) \
	  $(if $(FOLLOW),-e stack_command_follow=true) $(if $(TAIL),-e stack_command_tail=$(TAIL)))

# CMD goes through the environment, unchanged; it is split into words like a shell would.
exec: export ASSISTANT_EXEC_COMMAND := $(value CMD)
exec: venv  ## Run CMD='...' in a running container of SERVICE=api (Swarm: on the node of its task)
	$(call STACK_COMMAND,playbooks/exec.yml -e stack_command_service=$(SERVICE))

shell: export ASSISTANT_EXEC_COMMAND := sh
shell: venv  ## A shell in a running container of SERVICE=api
	$(call STACK_COMMAND,playbooks/exec.yml -e stack_command_service=$(SERVICE))

ps: venv  ## The stack's containers (Compose) or tasks and their nodes (Swarm)
	$(call STACK_COMMAND,playbooks/ps.yml)

compose-files: venv  ## Re-render docker/docker-compose.{dev,stage,prod}.yml and docker/env/ from the inventories
	$(BIN)/ansible-playbook playbooks/compose_files.yml --vault-password-file $(VAULT_PASSWORD_FILE) $(ARGS)

reference: venv  ## Re-generate docs/reference/ from the roles' argument specs and the modules' docs
	$(BIN)/python scripts/gen-reference.py

lint: venv  ## yamllint, ansible-lint (production profile), community.docker task options, ruff and shellcheck
	$(BIN)/yamllint --strict .
	$(BIN)/ansible-lint
	$(BIN)/python scripts/check-task-args.py community.docker.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	set -o pipefail; $(BIN)/python scripts/shell-scripts.py | xargs -d '\n' $(BIN)/shellcheck

sanity: venv  ## ansible-test sanity for the collection (no ignore file)
	@scripts/ansible-test-bootstrap.sh
	cd $(COLLECTION) && $(BIN)/ansible-test sanity --python 3.11 --local --requirements

unit: venv  ## Unit tests of the collection's Python code and of the scripts make runs
	cd $(COLLECTION) && $(BIN)/python -m pytest -q tests/unit
	$(BIN)/python -m pytest -q tests/scripts

drift: venv  ## Reference pages match the code; every command and name in the guides exists and parses
	$(BIN)/python scripts/gen-reference.py --check
	$(BIN)/python -m pytest -q tests/docs

compose-test: build  ## Rendered compose files: drift, docker compose/stack config, bad input, the dev stack up
	ASSISTANT_COMPOSE_REQUIRE_STACK=1 $(BIN)/python -m pytest -q tests/compose

app-test: venv  ## The reference app's tests, against a PostgreSQL and Redis they start themselves
	@scripts/ensure-packages.sh postgresql redis-server util-linux
	cd app && $(BIN)/uv venv --quiet --allow-existing --python python3 .venv \
	  && $(BIN)/uv pip install --quiet --python .venv/bin/python --require-hashes --no-deps -r requirements-dev.lock \
	  && $(BIN)/uv pip install --quiet --python .venv/bin/python --no-deps -e . \
	  && .venv/bin/python -m pytest -q

# The committed locks name no index host: uv's own lock (uv.lock, with index
# URLs) stays local; requirements*.lock carry exact versions and hashes.
# requirements.lock (the runtime image) has the otel extra; requirements-dev.lock
# (the dev image, the app tests) has every extra and the dev group.
lock: venv  ## Re-resolve the app's dependencies and export requirements.lock and requirements-dev.lock
	cd app && $(BIN)/uv lock --quiet \
	  && $(BIN)/uv export --frozen --quiet --no-dev --extra otel --no-emit-project --no-emit-package click-repl \
	     --no-emit-package prompt-toolkit --no-emit-package wcwidth -o requirements.lock \
	  && $(BIN)/uv export --frozen --quiet --all-extras --no-emit-project -o requirements-dev.lock

# The images of the offline_images manifest against their official images' interface
# (tests/conformance/contract.py), both ways; prints a table per image.
conformance: images  ## Check each image has its official image's interface and nothing more (tools, users, env)
	ASSISTANT_CONFORMANCE_REQUIRE=1 $(BIN)/python -m pytest -q tests/conformance -p no:cacheprovider

image-test: images  ## Build the app image and inspect it (non-root, health check, no pip/uv/compilers)
	$(BIN)/python -m pytest -q tests/image

# The scenarios `make test` runs. swarm (three Docker-in-Docker nodes, about
# 17 minutes) is left to `make molecule-swarm` so that CI stays under 40 minutes
# (see the README, Tests); `molecule test --all` runs every scenario.
# docker_engine (bare nodes, check mode on a bare host, the engine upgrade; about 5 minutes) is left
# out too: the remote stage installs the engine on two fresh Debian 12 nodes.
MOLECULE_SCENARIOS ?= default offline_images modules compose build monitoring

molecule: images  ## The Molecule scenarios of MOLECULE_SCENARIOS, each with its own result
	@failed=""; times=""; for s in $(MOLECULE_SCENARIOS); do \
	  echo "=== molecule scenario: $$s"; start=$$(date +%s); \
	  if $(BIN)/molecule test -s $$s; then r=passed; else r=FAILED; failed="$$failed $$s"; fi; \
	  times="$$times$$(printf '\n  %-15s %-7s %5ds' $$s $$r $$(( $$(date +%s) - start )))"; \
	done; echo "=== molecule scenarios:$$times"; if [ -n "$$failed" ]; then echo "molecule scenarios failed:$$failed"; exit 1; fi

molecule-swarm: images  ## The Swarm scenario: three DinD nodes, registry, rolling update under load, rollback, node loss
	$(BIN)/molecule test -s swarm

# Needs only this machine's engine: the nodes build and pull nothing from the rest of the run.
molecule-pristine: engine  ## README's make deploy on a fresh Debian 12 node (mmdebstrap) from a clone of HEAD, twice
	$(BIN)/python -m pytest -q tests/pristine
	$(BIN)/molecule test -s pristine -p pristine-debian12

# The user's world: controller and server apart, reached over SSH as a non-root user with sudo.
molecule-remote: engine  ## A controller deploys stage to a server over SSH (both fresh Debian 12 nodes), an app change under load
	$(BIN)/python -m pytest -q tests/pristine
	$(BIN)/molecule test -s remote

molecule-pristine-all: engine  ## The pristine scenario on both nodes: Debian 12 (one-line sources) and Debian 13 (deb822)
	$(BIN)/python -m pytest -q tests/pristine
	$(BIN)/molecule test -s pristine

test: venv  ## Every gate, in stages, with each stage's duration at the end
	@scripts/run-stages.sh --beside "lint sanity unit" drift app-test engine images conformance build compose-test image-test \
	  security molecule molecule-remote

bench: build  ## Benchmarks: image sizes and build times, local image supply, deploy against plain compose, backup and restore, task YAML, zero-downtime deploy, bytes sent to a host
	$(BIN)/python benchmarks/image_build.py
	benchmarks/images.sh
	$(BIN)/python benchmarks/deploy.py --pipelining
	$(BIN)/python benchmarks/backup.py
	$(BIN)/python benchmarks/yaml_lines.py
	$(BIN)/python benchmarks/zero_downtime.py
	$(BIN)/python benchmarks/transfer.py

clean:  ## Remove the virtualenv and caches (containers and volumes are left alone)
	rm -rf $(VENV) .cache

security: build  ## The fault suite's bad-input and secret-scan half (in make test; the faults need more time)
	$(BIN)/python -m pytest -q tests/security -p no:cacheprovider -s

faults: build  ## Faults, bad input and secrets scan with a report (ASSISTANT_FAULTS_ENGINE=1 also restarts the engine)
	$(BIN)/python -m pytest -q tests/faults tests/security -p no:cacheprovider -s

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.filter.vault_check import FilterModule
from ansible_collections.assistant.containers.plugins.filter.vault_check import test_vault_problem as vault_problem
from ansible_collections.assistant.containers.plugins.module_utils.vault_check import MARKER

REPO = Path(__file__).resolve().parents[8]


@pytest.mark.parametrize(
    ("marker", "allow", "refused"),
    [
        (True, False, True),
        (True, "false", True),
        (True, "no", True),
        ("true", False, True),
        (True, True, False),
        (True, "true", False),
        (True, "yes", False),
        (False, False, False),
        (False, True, False),
        ("false", "no", False),
    ],
)
def test_refused_only_with_the_marker_and_no_allowance(marker, allow, refused):
    assert bool(vault_problem(marker, allow)) is refused


def test_message_names_the_variables_and_the_way_out():
    msg = vault_problem(True, False, environment="prod", inventory="/src/inventories/prod")
    for needed in (
        "inventory /src/inventories/prod (prod)",
        "vault_repository_test_vault: true",
        "deploy_allow_test_vault: true",
        "--vault-password-file",
        "VAULT_PASSWORD_FILE=",
        "vault.yml.example",
        "tests/vault/test-vault-password",
    ):
        assert needed in msg, needed


@pytest.mark.parametrize(
    ("marker", "allow", "named"),
    [
        ("maybe", False, "vault_repository_test_vault must be true or false, got 'maybe'"),
        (1, False, "vault_repository_test_vault must be true or false, got 1 (int)"),
        (True, "please", "deploy_allow_test_vault must be true or false, got 'please'"),
        (True, None, "deploy_allow_test_vault must be true or false, got None"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(marker, allow, named):
    with pytest.raises(AnsibleFilterError, match=named.replace("(", r"\(").replace(")", r"\)")):
        vault_problem(marker, allow)


def test_filter_is_registered():
    assert FilterModule().filters()["test_vault_problem"] is vault_problem


@pytest.mark.parametrize("env", ["stage", "prod"])
def test_committed_vaults_carry_the_marker(env):
    """The committed stage and prod vaults are the test vaults: the guard must see them as such."""
    path = REPO / "inventories" / env / "group_vars" / "all" / "vault.yml"
    if not path.exists():
        pytest.skip("not run from the repository")
    text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("$ANSIBLE_VAULT"))
    loaded = yaml.load(text, Loader=_VaultLoader)  # noqa: S506 (a loader of our own that only knows !vault)
    assert loaded[MARKER] is True


class _VaultLoader(yaml.SafeLoader):
    """SafeLoader that reads !vault values as plain strings."""


_VaultLoader.add_constructor("!vault", lambda loader, node: loader.construct_scalar(node))

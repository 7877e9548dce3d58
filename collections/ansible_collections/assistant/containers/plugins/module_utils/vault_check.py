# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic: refuse to change hosts with the repository's test vault unless the inventory allows it.

The stage and prod vaults committed in the repository (inventories/<env>/group_vars/all/vault.yml)
are encrypted with a password that is committed too (tests/vault/test-vault-password), so that
tests and CI can render and deploy those environments. They carry the marker
``vault_repository_test_vault: true``; a real vault, which replaces the file, does not. A playbook
that changes hosts refuses to run with the marker unless ``deploy_allow_test_vault`` is true (the
tests' inventories set it).
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

MARKER = "vault_repository_test_vault"
ALLOW = "deploy_allow_test_vault"


class VaultCheckError(ValueError):
    """A variable has a value the check cannot read; the message names it and what is accepted."""


def _bool(name, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in BOOLEANS_TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in BOOLEANS_FALSE:
        return False
    raise VaultCheckError(f"{name} must be true or false, got {value!r} ({type(value).__name__}).")


def test_vault_problem(marker, allow, environment="", inventory=""):
    """The refusal message when the test vault is in use and not allowed; "" when the run may go on."""
    if not _bool(MARKER, marker):
        return ""
    if _bool(ALLOW, allow):
        return ""
    where = f"inventory {inventory}" if inventory else "the inventory"
    env = f" ({environment})" if environment else ""
    return (
        f"Refusing to change the hosts of {where}{env} with the repository's TEST vault: its group_vars hold"
        f" {MARKER}: true (group_vars/all/vault.yml as committed), and the password of that vault is public"
        " (tests/vault/test-vault-password), so its secrets are no secrets. Replace vault.yml with your own"
        " (see vault.yml.example beside it), encrypted with a password that is never committed, and pass that"
        " password: ansible-playbook --vault-password-file ~/.vault-pass ... (or --ask-vault-pass), or"
        " make <target> VAULT_PASSWORD_FILE=~/.vault-pass. A test that means to deploy the test vault sets"
        f" {ALLOW}: true in its inventory."
    )

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The assistant.containers.test_vault_problem filter (documentation: test_vault_problem.yml beside it)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.module_utils.vault_check import (
    VaultCheckError,
)
from ansible_collections.assistant.containers.plugins.module_utils.vault_check import (
    test_vault_problem as _problem,
)


def test_vault_problem(marker, allow=False, environment="", inventory=""):
    try:
        return _problem(marker, allow, environment=environment or "", inventory=inventory or "")
    except VaultCheckError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"test_vault_problem": test_vault_problem}

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The assistant.containers.container_hardening filter (documentation: container_hardening.yml beside it)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.module_utils.hardening import (
    HardeningError,
    containers_hardening,
)


def container_hardening(inspects, proc_statuses):
    try:
        return containers_hardening(inspects, proc_statuses)
    except HardeningError as exc:
        raise AnsibleFilterError(f"container_hardening: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"container_hardening": container_hardening}

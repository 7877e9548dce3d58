# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The assistant.containers.stack_command filter (documentation: stack_command.yml beside it)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.module_utils.stack_commands import (
    StackCommandError,
    plan,
)


def stack_command(hosts, action, project, backend="compose", service="", command=None, follow=False, tail="all"):
    try:
        return plan(
            action,
            backend,
            project,
            list(hosts or []),
            service=service or "",
            command=command,
            follow=bool(follow),
            tail=tail,
        )
    except StackCommandError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self):
        return {"stack_command": stack_command}

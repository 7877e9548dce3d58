# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: file_set_pending
short_description: What an assistant.containers.file_set call would change on the controller
version_added: 0.1.0
description:
  - Takes the options of M(assistant.containers.file_set) (O(root), O(directories), O(files)) and returns the paths,
    relative to O(root), of the directories and files that such a call would create or change (content, mode, owner
    or group), by the same comparison the module makes. An empty list means the call would change nothing.
  - It reads the controller's file system. Where the managed host is the controller (C(ansible_connection=local)),
    a role can skip the module call, and its cost, when nothing would change.
  - A path that cannot be read or checked (missing permission, a file where a directory is expected) is reported as
    pending, so that the module runs and says what is wrong.
author:
  - Personal Assistant platform team (@assistant-platform)
options:
  root:
    description: The directory the paths are relative to.
    type: path
    required: true
  directories:
    description: As O(assistant.containers.file_set#module:directories); mode defaults to V(0755).
    type: list
    elements: dict
    default: []
  files:
    description: As O(assistant.containers.file_set#module:files); mode defaults to V(0644).
    type: list
    elements: dict
    default: []
seealso:
  - module: assistant.containers.file_set
"""

EXAMPLES = r"""
---
- name: Write the manifest, only when it differs (the Docker host is the controller)
  assistant.containers.file_set:
    root: /var/lib/assistant
    files:
      - path: images.json
        content: "{{ manifest | to_nice_json }}"
  when: >-
    query('assistant.containers.file_set_pending', root='/var/lib/assistant',
          files=[{'path': 'images.json', 'content': manifest | to_nice_json}]) | length > 0
"""

RETURN = r"""
_raw:
  description: The relative paths of the directories and files that would be created or changed, in the given order.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError  # noqa: E402 (documentation first, as Ansible's plugins)
from ansible.plugins.lookup import LookupBase  # noqa: E402
from ansible_collections.assistant.containers.plugins.module_utils.file_set import (  # noqa: E402
    FileSetError,
    plan,
    plan_directory,
)


def pending(root, directories, files):
    """The relative paths of ``directories`` and ``files`` (file_set's options) that file_set would change."""
    changes = []
    for spec in directories:
        spec = {"mode": "0755", "owner": None, "group": None, **spec}
        try:
            item = plan_directory(root, spec)
        except (OSError, FileSetError):
            changes.append(spec["path"])
            continue
        if item["create"] or item["attrs"]:
            changes.append(spec["path"])
    for spec in files:
        spec = {"mode": "0644", "owner": None, "group": None, **spec}
        try:
            item = plan(root, spec)
        except (OSError, FileSetError):
            changes.append(spec["path"])
            continue
        if item["content"] or item["attrs"]:
            changes.append(spec["path"])
    return changes


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        root = self.get_option("root")
        for kind in ("directories", "files"):
            for spec in self.get_option(kind):
                if not isinstance(spec, dict) or "path" not in spec or (kind == "files" and "content" not in spec):
                    needs = "path and content" if kind == "files" else "path"
                    raise AnsibleLookupError(f"file_set_pending: each entry of {kind} needs {needs}; found {spec!r}")
        return pending(root, self.get_option("directories"), self.get_option("files"))

#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: file_set

short_description: Write a set of files under one directory in one step, each checked before it lands

version_added: 0.1.0

description:
  - Writes every file of O(files) under O(root) with the given content, mode, owner and group.
    Only files whose content or attributes differ are touched; a file with new content is written
    to a temporary file next to it, checked with its O(files[].validate) command, and moved into place
    atomically, so a refused file leaves the old one serving.
  - One call replaces a loop of M(ansible.builtin.copy) tasks, which costs one round trip per file.
  - Directories listed in O(directories) are created (or their mode and owner set) before any file is written;
    a file's parent directory must exist or be listed there.
  - Secret content in O(files[].content) is a module argument; give the task C(no_log) when it holds secrets.

extends_documentation_fragment:
  - assistant.containers.attributes

attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full

options:
  root:
    description:
      - The directory the files' paths are relative to.
    type: path
    required: true
  directories:
    description:
      - Directories to create, or whose attributes to set, before the files are written, in this order.
      - Missing parent directories are created with the same mode.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description:
          - The directory's path relative to O(root); V(.) is O(root) itself.
        type: str
        required: true
      mode:
        description:
          - The directory's mode as an octal string.
        type: str
        default: "0755"
      owner:
        description:
          - The directory's owner, a user name or a numeric ID. Unchanged when absent.
        type: str
      group:
        description:
          - The directory's group, a group name or a numeric ID. Unchanged when absent.
        type: str
  files:
    description:
      - The files to write.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description:
          - The file's path relative to O(root); it must stay inside O(root).
        type: str
        required: true
      content:
        description:
          - The file's whole content (text).
        type: str
        required: true
      mode:
        description:
          - The file's mode as an octal string.
        type: str
        default: "0644"
      owner:
        description:
          - The file's owner, a user name or a numeric ID. Unchanged when absent.
        type: str
      group:
        description:
          - The file's group, a group name or a numeric ID. Unchanged when absent.
        type: str
      validate:
        description:
          - A command that checks the new content before it replaces the file; V(%s) is the temporary file's path.
          - A non-zero exit refuses the file and fails the task, naming the file and the command's output.
        type: str

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
---
- name: Create the env directory and write the env and config files, nginx.conf checked by nginx -t
  assistant.containers.file_set:
    root: /srv/assistant
    directories:
      - path: env/prod
        mode: "0750"
    files:
      - path: env/prod/app.env
        content: "{{ lookup('ansible.builtin.template', 'app.env.j2') }}"
      - path: env/prod/nginx.conf
        content: "{{ nginx_conf }}"
        validate: docker run --rm -v %s:/etc/nginx/nginx.conf:ro nginx:1.26 nginx -t -q

- name: Write the secret files, each readable by one UID only
  assistant.containers.file_set:
    root: /srv/assistant
    files:
      - path: secrets/prod/postgres_password.999
        content: "{{ vault_postgres_password }}"
        mode: "0600"
        owner: "999"
        group: "999"
  no_log: true
"""

RETURN = r"""
changed_files:
  description:
    - The paths (relative to O(root)) of the directories and files created, written or with attributes set
      (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["env/prod/app.env"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.file_set import (
    FileSetError,
    apply,
    apply_directory,
    diff,
    plan,
    plan_directory,
)


def _validator(module, command, path):
    """A check of the new content (a temporary file) by the file's validate command, or None."""
    if not command:
        return None
    if "%s" not in command:
        module.fail_json(msg=f"file_set: {path}: validate must contain %s (the new file's path); found {command!r}")

    def validate(tmp):
        rc, out, err = module.run_command(command % tmp)
        if rc != 0:
            raise FileSetError(
                f"{path} was refused by its check ({command.split()[0]} exited {rc}); the old file is unchanged. "
                f"Output: {(out + err).strip()[-2000:]}"
            )

    return validate


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "directories": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "path": {"type": "str", "required": True},
                    "mode": {"type": "str", "default": "0755"},
                    "owner": {"type": "str"},
                    "group": {"type": "str"},
                },
            },
            "files": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "path": {"type": "str", "required": True},
                    "content": {"type": "str", "required": True},
                    "mode": {"type": "str", "default": "0644"},
                    "owner": {"type": "str"},
                    "group": {"type": "str"},
                    "validate": {"type": "str"},
                },
            },
        },
        supports_check_mode=True,
    )
    root = module.params["root"]
    changed, diffs = [], []
    try:
        directories = [plan_directory(root, spec) for spec in module.params["directories"]]
    except (FileSetError, ValueError) as exc:
        module.fail_json(msg=f"file_set: {exc}")
    for item in directories:
        if not (item["create"] or item["attrs"]):
            continue
        changed.append(item["path"])
        if item["create"]:
            diffs.append(diff(item))
        if not module.check_mode:
            try:
                apply_directory(item)
            except (FileSetError, OSError) as exc:
                module.fail_json(msg=f"file_set: {exc}", changed_files=changed[:-1])

    try:
        planned = [(spec, plan(root, spec)) for spec in module.params["files"]]
    except (FileSetError, ValueError) as exc:
        module.fail_json(msg=f"file_set: {exc}")

    for spec, item in planned:
        if not (item["content"] or item["attrs"]):
            continue
        changed.append(item["path"])
        if item["content"]:
            diffs.append(diff(item))
        if module.check_mode:
            continue

        try:
            apply(item, _validator(module, spec.get("validate"), item["path"]))
        except (FileSetError, OSError) as exc:
            module.fail_json(msg=f"file_set: {exc}", changed_files=changed[:-1])

    result = {"changed": bool(changed), "changed_files": changed}
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_info

short_description: List the PostgreSQL backups of a backup directory, check one against its record, plan retention

version_added: 0.1.0

description:
  - Reads a backup directory written by the M(assistant.containers.backup_record) module (the
    C(assistant.containers.backup) role). Each backup is C(<id>.dump) (pg_dump custom format) and its record
    C(<id>.json). A backup that failed its verification keeps its record with status V(failed) and a dump named
    C(<id>.dump.failed).
  - Returns every backup (oldest first) with its status and problems, the backup O(id) selects, and which files
    retention would delete to keep the O(keep) newest good backups.
  - With O(checksum), the selected backup's dump is read and its SHA-256 compared with its record; a size or
    checksum mismatch is a problem of the selected backup (a restore refuses it).
  - It only reads, so it runs unchanged in check mode. A missing directory has no backups.

extends_documentation_fragment:
  - assistant.containers.attributes

attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full

options:
  path:
    description:
      - The backup directory.
    type: path
    required: true
  id:
    description:
      - The backup to select, by id (such as V(20261127T063000Z)), or V(latest) for the newest good one.
      - Empty selects nothing.
    type: str
    default: latest
  checksum:
    description:
      - Compute the selected dump's SHA-256 and compare it with its record.
    type: bool
    default: false
  keep:
    description:
      - How many good backups retention keeps; 0 plans no retention.
    type: int
    default: 0

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: assistant.containers.backup_record
"""

EXAMPLES = r"""
---
- name: Check the newest good backup against its record before restoring it
  assistant.containers.backup_info:
    path: /var/lib/assistant/deploy/assistant-prod/backups
    id: latest
    checksum: true
  register: __backups

- name: Plan retention (the five newest good backups stay)
  assistant.containers.backup_info:
    path: /var/lib/assistant/deploy/assistant-prod/backups
    id: ""
    keep: 5
  register: __retention
"""

RETURN = r"""
backups:
  description: Every backup of the directory, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The backup's id (its UTC time, C(YYYYMMDDTHHMMSSZ)).
      type: str
    status:
      description: >-
        V(ok) (a verified backup), V(failed) (it failed its verification when it was taken), V(unusable) (its record
        or dump is missing or malformed) or V(unreadable) (its record is not JSON).
      type: str
    problems:
      description: Why the backup cannot be restored, as messages.
      type: list
      elements: str
    dump:
      description: The dump's file name, or null when it is missing.
      type: str
    record:
      description: The record as written by M(assistant.containers.backup_record), or null.
      type: dict
selected:
  description:
    - The backup O(id) selects, as an element of RV(backups), plus C(size) and (with O(checksum)) C(sha256) of its
      dump as found on disk; its C(problems) include a size or checksum mismatch. Null when nothing is selected.
  returned: always
  type: dict
selected_error:
  description: Why O(id) selects no backup (no good backup, no such id), or null.
  returned: always
  type: str
prune:
  description: File names (in O(path)) retention deletes so that the O(keep) newest good backups stay.
  returned: always
  type: list
  elements: str
orphans:
  description: Files no record explains (a partial dump, a dump whose record was never written).
  returned: always
  type: list
  elements: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.backup import (
    RECORD_SUFFIX,
    BackupError,
    choose,
    file_problems,
    retention,
    scan,
    sha256_file,
)


def _read_records(path, names):
    records = {}
    for name in names:
        if not name.endswith(RECORD_SUFFIX):
            continue
        try:
            with open(os.path.join(path, name), encoding="utf-8") as handle:
                records[name[: -len(RECORD_SUFFIX)]] = json.load(handle)
        except (OSError, ValueError) as exc:
            records[name[: -len(RECORD_SUFFIX)]] = str(exc)
    return records


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "id": {"type": "str", "default": "latest"},
            "checksum": {"type": "bool", "default": False},
            "keep": {"type": "int", "default": 0},
        },
        supports_check_mode=True,
    )
    path = module.params["path"]
    try:
        names = sorted(os.listdir(path)) if os.path.isdir(path) else []
    except OSError as exc:
        module.fail_json(msg=f"backup_info: cannot list the backup directory {path}: {exc}")
    found = scan(names, _read_records(path, names))
    result = {
        "changed": False,
        "backups": found["backups"],
        "orphans": found["orphans"],
        "selected": None,
        "selected_error": None,
        "prune": [],
    }
    if module.params["keep"]:
        try:
            result["prune"] = retention(found["backups"], module.params["keep"], found["orphans"])
        except BackupError as exc:
            module.fail_json(msg=f"backup_info: {exc}")
    if module.params["id"]:
        entry, error = choose(found["backups"], module.params["id"])
        if entry is not None:
            entry = dict(entry)
            dump = os.path.join(path, entry["dump"])
            entry["size"] = os.path.getsize(dump)
            entry["sha256"] = sha256_file(dump) if module.params["checksum"] else None
            entry["problems"] = entry["problems"] + file_problems(entry["record"], entry["size"], entry["sha256"])
        result["selected"], result["selected_error"] = entry, error
    module.exit_json(**result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_record

short_description: Judge a fresh PostgreSQL dump by its scratch restore and write its record next to it

version_added: 0.1.0

description:
  - Takes a dump just written to C(<path>/<id>.dump) (pg_dump custom format), what the live database said in the
    dump's snapshot (O(source), with the row counts per table, size and schema head) and what a scratch restore
    of the dump said (O(verification)), and writes the backup's record C(<path>/<id>.json) with the dump's size
    and SHA-256.
  - The backup is good (record status V(ok)) when the scratch restore succeeded, every table has the same number of
    rows in the restored copy as in the source, and the schema heads agree. Otherwise its record says V(failed) with
    the reasons, and the dump is renamed C(<id>.dump.failed), so it is never taken for a good backup.
  - The record is written to a temporary file and moved into place; it holds no secret.
  - Part of the C(assistant.containers.backup) role; M(assistant.containers.backup_info) reads what it writes.

extends_documentation_fragment:
  - assistant.containers.attributes

attributes:
  check_mode:
    support: full
    details: In check mode nothing is written; when the dump does not exist (it was not taken), the result says a
      record would be written.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: Each call records a new backup; a record that exists already is refused.

options:
  path:
    description:
      - The backup directory holding C(<id>.dump).
    type: path
    required: true
  id:
    description:
      - The backup's id, its UTC time as C(YYYYMMDDTHHMMSSZ).
    type: str
    required: true
  created:
    description:
      - When the dump was started, ISO 8601 in UTC.
    type: str
    required: true
  source:
    description:
      - What the live database answered in the dump's snapshot, as the JSON text (or mapping) of the role's meta
        query, with C(database), C(user), C(database_size), C(server_version), C(schema_head) and C(row_counts)
        (table to rows).
    type: raw
    required: true
  verification:
    description:
      - The scratch restore's outcome.
    type: dict
    required: true
    suboptions:
      error:
        description:
          - Why the dump did not restore into the scratch database; empty when it did.
        type: str
      meta:
        description:
          - What the scratch database answered to the meta query (JSON text or mapping), when it restored.
        type: raw
  release:
    description:
      - The deploy role's current release id when the dump was taken (empty when none is recorded).
    type: str
    default: ""
  project:
    description:
      - The Compose project or Swarm stack the database belongs to.
    type: str
  environment:
    description:
      - The environment (dev, stage, prod).
    type: str
  backend:
    description:
      - The deploy backend, V(compose) or V(swarm).
    type: str
  host:
    description:
      - The inventory host that holds the dump.
    type: str
  trigger:
    description:
      - Why the backup was taken, such as V(manual) or V(pre-migration).
    type: str
    default: manual
  timings:
    description:
      - Durations to keep in the record, by name, as seconds or as a command result's C(delta) (V(0:00:01.250000)).
    type: dict
    default: {}

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: assistant.containers.backup_info
"""

EXAMPLES = r"""
---
- name: Record the backup with its verdict
  assistant.containers.backup_record:
    path: /var/lib/assistant/deploy/assistant-prod/backups
    id: 20261127T063000Z
    created: "2026-11-27T06:30:00Z"
    source: "{{ __dump_meta.stdout }}"
    verification:
      error: "{{ __scratch_restore.stderr if __scratch_restore.rc != 0 else '' }}"
      meta: "{{ __scratch_meta.stdout | default(omit) }}"
    release: 20261127T060000Z-1a2b3c4d
    trigger: pre-migration
    timings:
      dump: "{{ __dump.delta }}"
  register: __record
"""

RETURN = r"""
record:
  description:
    - The record written (or that would be, in check mode); null in check mode when the dump was not taken.
    - C(status) is V(ok) or V(failed); C(problems) says why a backup failed; C(row_counts) are the source's, counted
      in the dump's snapshot; C(restored_row_counts) the scratch copy's; C(size) and C(sha256) are the dump file's;
      C(file) its name (C(<id>.dump), or C(<id>.dump.failed)).
  returned: always
  type: dict
  sample:
    format: 1
    id: 20261127T063000Z
    created: "2026-11-27T06:30:00Z"
    status: ok
    problems: []
    trigger: manual
    project: assistant-prod
    environment: prod
    backend: swarm
    host: assistant-prod-1
    release: 20261127T060000Z-1a2b3c4d
    database: assistant
    server_version: "17.6"
    database_size: 8012345
    schema_head: "0001"
    row_counts: {public.alembic_version: 1, public.messages: 12, public.notes: 10000}
    rows: 10013
    restored_row_counts: {public.alembic_version: 1, public.messages: 12, public.notes: 10000}
    file: 20261127T063000Z.dump
    size: 1234567
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    timings: {dump: 1.25, verify: 3.5}
"""

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.backup import (
    DUMP_SUFFIX,
    FAILED_SUFFIX,
    RECORD_SUFFIX,
    STATUS_OK,
    BackupError,
    build_record,
    is_backup_id,
    sha256_file,
)


def _write(path, text):
    fd, tmp = tempfile.mkstemp(prefix=".record-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.rename(tmp, path)
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "id": {"type": "str", "required": True},
            "created": {"type": "str", "required": True},
            "source": {"type": "raw", "required": True},
            "verification": {
                "type": "dict",
                "required": True,
                "options": {"error": {"type": "str"}, "meta": {"type": "raw"}},
            },
            "release": {"type": "str", "default": ""},
            "project": {"type": "str"},
            "environment": {"type": "str"},
            "backend": {"type": "str"},
            "host": {"type": "str"},
            "trigger": {"type": "str", "default": "manual"},
            "timings": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    p = module.params
    if not is_backup_id(p["id"]):
        module.fail_json(msg=f"backup_record: id must look like 20261127T063000Z (UTC time), found {p['id']!r}")
    dump = os.path.join(p["path"], p["id"] + DUMP_SUFFIX)
    record_path = os.path.join(p["path"], p["id"] + RECORD_SUFFIX)
    if os.path.exists(record_path):
        module.fail_json(msg=f"backup_record: {record_path} exists already; a backup id is recorded once")
    if not os.path.exists(dump):
        if module.check_mode:
            module.exit_json(changed=True, record=None)
        module.fail_json(msg=f"backup_record: the dump {dump} does not exist; expected the role to have written it")
    verification = p["verification"]
    if verification.get("meta") in ("", None):
        verification = {"error": verification.get("error"), "meta": None}
    try:
        record = build_record(
            p["id"],
            p["created"],
            p["source"],
            verification,
            os.path.getsize(dump),
            sha256_file(dump),
            release=p["release"],
            project=p["project"],
            environment=p["environment"],
            backend=p["backend"],
            host=p["host"],
            trigger=p["trigger"],
            timings=p["timings"],
        )
    except BackupError as exc:
        module.fail_json(msg=f"backup_record: {exc}")
    if not module.check_mode:
        try:
            if record["status"] != STATUS_OK:
                os.rename(dump, os.path.join(p["path"], p["id"] + FAILED_SUFFIX))
            _write(record_path, json.dumps(record, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            module.fail_json(msg=f"backup_record: cannot write the record {record_path}: {exc}")
    module.exit_json(changed=True, record=record)


if __name__ == "__main__":
    main()

#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: deploy_release

short_description: Record a deployed release in the host's release history, or make a recorded one current

version_added: 0.1.0

description:
  - The release history the deploy role keeps, shared by its Compose and Swarm backends. O(root) holds one directory
    per release (its files and a C(release.json) record) and a C(current) file naming the release in service.
  - With O(state=present), describes the release from the stack file's content, each service's image and the key its
    one-shot jobs ran with. When its fingerprint equals the current release's, nothing is written and the current
    record is returned (V(changed=false)). Otherwise the release's files, its record and then the C(current) pointer
    are written (each file atomically), and releases beyond the newest O(keep) are removed; the current and the new
    release are never removed.
  - With O(state=current), makes the recorded release O(release) the current one (a rollback).
  - Check mode reports what would be written, with a diff of each file.

extends_documentation_fragment:
  - assistant.containers.attributes

attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
    details: A second run with the same inputs finds the same fingerprint and writes nothing.

options:
  root:
    description:
      - The release history directory, C(<deploy_state_dir>/releases). Created (mode 0750) when missing.
    type: path
    required: true
  state:
    description:
      - V(present) records the release described by the other options when it differs from the current one.
      - V(current) points C(current) at the recorded release O(release).
    type: str
    choices: [present, current]
    default: present
  release:
    description:
      - With O(state=current), the recorded release id to make current.
    type: str
  backend:
    description:
      - The deploy backend that put the release in service.
    type: str
    choices: [compose, swarm]
    default: compose
  name:
    description:
      - The Compose project or Swarm stack name, kept in the record.
    type: str
    default: ""
  environment:
    description:
      - The environment name, kept in the record.
    type: str
    default: ""
  content:
    description:
      - The rendered stack (compose) file's content; part of the fingerprint.
    type: str
    default: ""
  images:
    description:
      - Each long-running service's image as it ran when the release passed its gate, as a mapping of service to
        image ID (Compose) or digest-pinned reference (Swarm); part of the fingerprint.
    type: dict
    default: {}
  refs:
    description:
      - Each service's image reference as the stack file names it, so that a restore pins only the services whose
        reference no longer names the recorded image.
    type: dict
    default: {}
  jobs_key:
    description:
      - The key the one-shot jobs (migrations) ran with; a deploy with the same key skips them. Part of the
        fingerprint.
    type: str
    default: ""
  who:
    description:
      - Who deployed (user@controller), kept in the record.
    type: str
    default: unknown
  revision:
    description:
      - The source revision deployed, kept in the record.
    type: str
    default: unknown
  files:
    description:
      - Files kept with the release, paths relative to its directory (no secrets).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The file's path relative to the release directory.
        type: str
        required: true
      content:
        description: The file's content.
        type: str
        required: true
  keep:
    description:
      - How many releases to keep; older ones are removed when a new one is recorded.
    type: int
    default: 10

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: assistant.containers.deploy_release_info
  - module: assistant.containers.file_set
"""

EXAMPLES = r"""
---
- name: Record the release that passed the gate
  assistant.containers.deploy_release:
    root: /var/lib/assistant/deploy/assistant/releases
    backend: compose
    name: assistant
    environment: dev
    content: "{{ compose_rendered.compose_file.content }}"
    images: {api: "sha256:0123abcd"}
    refs: {api: assistant/app:1.4.0}
    files:
      - path: docker-compose.dev.yml
        content: "{{ compose_rendered.compose_file.content }}"
    keep: 10
  register: __release

- name: Make the previous release current again after a rollback
  assistant.containers.deploy_release:
    root: /var/lib/assistant/deploy/assistant/releases
    state: current
    release: 20261127T063000Z-1a2b3c4d
"""

RETURN = r"""
release:
  description: The record of the release now current (the new one, or the unchanged current one).
  returned: always
  type: dict
  sample:
    id: 20261128T071500Z-5e6f7a8b
    fingerprint: 5e6f7a8b...
    created: "2026-11-28T07:15:00Z"
    backend: compose
    environment: dev
    project: assistant
    images: {api: "sha256:0123abcd"}
    refs: {api: assistant/app:1.4.0}
    jobs_key: 9f86d081...
    files: [docker-compose.dev.yml]
new:
  description: Whether a new release was recorded (or, with O(state=current), the pointer moved).
  returned: always
  type: bool
  sample: true
previous:
  description: The release that was current before this call, or an empty string.
  returned: always
  type: str
  sample: 20261127T063000Z-1a2b3c4d
forgotten:
  description: Releases removed because they were beyond O(keep).
  returned: always
  type: list
  elements: str
  sample: []
"""

import os
import shutil
from datetime import UTC, datetime

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.deploy_release import (
    ReleaseError,
    read_releases,
    release_record,
    settle_record,
    store_plan,
    to_forget,
)
from ansible_collections.assistant.containers.plugins.module_utils.file_set import (
    FileSetError,
    apply,
    apply_directory,
    diff,
    plan,
    plan_directory,
)


def _write(module, root, specs):
    """Write file_set specs under root (directories first); returns the changed paths and their diffs."""
    changed, diffs = [], []
    if not specs["files"]:
        return changed, diffs
    for spec in [{"path": ".", "mode": "0750"}, *specs["directories"]]:
        item = plan_directory(root, spec)
        if item["create"] or item["attrs"]:
            changed.append(item["path"])
            if item["create"]:
                diffs.append(diff(item))
            if not module.check_mode:
                apply_directory(item)
    for spec in specs["files"]:
        item = plan(root, spec)
        if item["content"] or item["attrs"]:
            changed.append(item["path"])
            if item["content"]:
                diffs.append(diff(item))
            if not module.check_mode:
                apply(item)
    return changed, diffs


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "current"], "default": "present"},
            "release": {"type": "str"},
            "backend": {"type": "str", "choices": ["compose", "swarm"], "default": "compose"},
            "name": {"type": "str", "default": ""},
            "environment": {"type": "str", "default": ""},
            "content": {"type": "str", "default": ""},
            "images": {"type": "dict", "default": {}},
            "refs": {"type": "dict", "default": {}},
            "jobs_key": {"type": "str", "default": "", "no_log": False},
            "who": {"type": "str", "default": "unknown"},
            "revision": {"type": "str", "default": "unknown"},
            "files": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {"path": {"type": "str", "required": True}, "content": {"type": "str", "required": True}},
            },
            "keep": {"type": "int", "default": 10},
        },
        required_if=[("state", "current", ["release"])],
        supports_check_mode=True,
    )
    params = module.params
    root = params["root"]
    try:
        history = read_releases(root, params["release"] or "current")
        current = history["current"]
        if params["state"] == "current":
            if history["target"] != params["release"]:
                module.fail_json(
                    msg=f"release: expected a release recorded in {root}, found {params['release']!r} "
                    f"(recorded: {', '.join(history['releases']) or 'none'})."
                )
            record, specs = history["target_record"], {"directories": [], "files": []}
            if params["release"] != current:
                specs["files"] = [{"path": "current", "content": params["release"] + "\n", "mode": "0640"}]
            forgotten = []
        else:
            new = release_record(
                backend=params["backend"],
                environment=params["environment"],
                name=params["name"],
                content=params["content"],
                images=params["images"],
                refs=params["refs"],
                jobs_key=params["jobs_key"],
                files=[f["path"] for f in params["files"]],
                who=params["who"],
                revision=params["revision"],
                now=datetime.now(UTC),
            )
            record = settle_record(new, history["current_record"])
            specs = store_plan(record, params["files"], current)
            is_new = record["id"] != current
            forgotten = to_forget(history["releases"], params["keep"], (current, record["id"])) if is_new else []
        changed, diffs = _write(module, root, specs)
        for release_id in forgotten:
            changed.append(release_id)
            path = os.path.join(root, release_id)
            diffs.append({"before_header": f"{path}/", "after_header": f"{path}/ (removed)", "before": "", "after": ""})
            if not module.check_mode:
                shutil.rmtree(os.path.join(root, release_id))
    except (ReleaseError, FileSetError) as exc:
        module.fail_json(msg=f"deploy_release: {exc}")
    except OSError as exc:
        module.fail_json(
            msg=f"deploy_release: cannot write the release history {root}: {exc}. "
            "Expected a directory this user can write (deploy_state_dir/releases)."
        )
    result = {
        "changed": bool(changed),
        "release": record,
        "new": record.get("id", "") != current,
        "previous": current,
        "forgotten": forgotten,
    }
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()

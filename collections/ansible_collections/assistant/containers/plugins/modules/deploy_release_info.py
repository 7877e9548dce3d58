#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: deploy_release_info

short_description: Read a deploy's release history on the host and choose a release

version_added: 0.1.0

description:
  - Reads the release history the deploy role keeps in O(root) (one directory per release, each with a
    C(release.json) record, and a C(current) file naming the release in service) in one call.
  - Returns the recorded release ids, the current release and its record, the previous release (the newest one
    older than the current), and the release O(release) names with its record.
  - A missing O(root), C(current) file or record reads as nothing recorded; a record that is not JSON is reported in
    RV(problems). It only reads, so it runs unchanged in check mode.

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
  root:
    description:
      - The release history directory, C(<deploy_state_dir>/releases).
    type: path
    required: true
  release:
    description:
      - The release to choose, returned in RV(target) with its record in RV(target_record).
      - V(current), V(previous) (the newest release older than the current one), or a release id such as
        V(20261127T063000Z-1a2b3c4d). RV(target) is empty when no such release is recorded.
    type: str
    default: current
  files:
    description:
      - Also return the content of the current release's files in RV(current_files) (the deploy role's check mode
        compares them with the new render).
    type: bool
    default: false

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: assistant.containers.deploy_release
"""

EXAMPLES = r"""
---
- name: Read the release history and choose the release before the current one
  assistant.containers.deploy_release_info:
    root: /var/lib/assistant/deploy/assistant/releases
    release: previous
  register: __releases

- name: Refuse a rollback when there is nothing to roll back to
  ansible.builtin.assert:
    that: __releases.target | length > 0
    fail_msg: "Nothing before {{ __releases.current }} is recorded ({{ __releases.releases | join(', ') }})."
"""

RETURN = r"""
releases:
  description: The recorded release ids, oldest first.
  returned: always
  type: list
  elements: str
  sample: [20261127T063000Z-1a2b3c4d, 20261128T071500Z-5e6f7a8b]
current:
  description: The release in service, or an empty string when none is recorded.
  returned: always
  type: str
  sample: 20261128T071500Z-5e6f7a8b
current_record:
  description: The current release's record (its C(release.json)), or an empty mapping.
  returned: always
  type: dict
  sample: {id: 20261128T071500Z-5e6f7a8b, backend: compose, images: {api: "sha256:0123"}}
previous:
  description: The newest recorded release older than the current one, or an empty string.
  returned: always
  type: str
  sample: 20261127T063000Z-1a2b3c4d
target:
  description: The release O(release) names, or an empty string when it is not recorded.
  returned: always
  type: str
  sample: 20261127T063000Z-1a2b3c4d
target_record:
  description: The record of RV(target), or an empty mapping.
  returned: always
  type: dict
serving:
  description:
    - The containers that served the current release when a Compose deploy last passed its gate, as recorded
      in C(serving.json) (V(release), and V(containers) with each one's V(service) and short V(id)), or an empty
      mapping.
    - A deploy that finds the same containers, all running, and an unchanged release skips Compose's dry run.
  returned: always
  type: dict
  sample: {release: 20261128T071500Z-5e6f7a8b, containers: [{service: api, id: 0123456789ab}]}
current_files:
  description: With O(files=true), the current release's files (paths relative to its directory) and their content.
  returned: always
  type: dict
  sample: {docker-compose.dev.yml: "services: ...", env/dev/app.env: "LOG_LEVEL=DEBUG"}
problems:
  description: Records that could not be read, each with its path and why.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.deploy_release import (
    ReleaseError,
    read_release_files,
    read_releases,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "release": {"type": "str", "default": "current"},
            "files": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    try:
        history = read_releases(module.params["root"], module.params["release"])
        files = module.params["files"]
        history["current_files"] = read_release_files(module.params["root"], history["current_record"]) if files else {}
    except ReleaseError as exc:
        module.fail_json(msg=f"root: {exc}")
    except OSError as exc:
        module.fail_json(
            msg=f"root: cannot read the release history {module.params['root']}: {exc}. "
            "Expected a directory this user can read (deploy_state_dir/releases)."
        )
    module.exit_json(changed=False, **history)


if __name__ == "__main__":
    main()

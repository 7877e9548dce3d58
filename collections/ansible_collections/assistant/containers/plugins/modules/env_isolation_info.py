#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: env_isolation_info

short_description: Check that no configuration or secret leaks between the dev, stage and prod environments

version_added: 0.1.0

description:
  - Checks the compose, env and secret files of one or more environments and fails when
    a secret value of one environment appears in another environment's files;
    a secret value appears in a compose or env file (not a secret file);
    V(stage) or V(prod) uses a placeholder or a dev default secret (a dev value, or one marked with O(dev_markers));
    two of V(stage) and V(prod) share a secret value;
    V(stage) or V(prod) publishes PostgreSQL or Redis, or enables hot reload, a source mount or debug;
    or a file holding secrets is readable by others than its owner.
  - Each message names the environment, the file and the variable, never the secret's value.
  - Files are given with their content and mode (to check them before they land) or by path (read and
    stat on the target).
  - It only reads, so it runs unchanged in check mode.

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
  environments:
    description:
      - The environments to check together. Cross-environment checks need more than one.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The environment's name. V(stage) and V(prod) get the strict checks.
        type: str
        required: true
      secrets:
        description:
          - The environment's secret values by variable name (as in C(compose_secrets)).
        type: dict
        default: {}
      compose:
        description:
          - The environment's compose document, parsed. When absent, a file named C(docker-compose*.yml)
            among O(environments[].files) is read and parsed on the target (needs PyYAML there).
        type: dict
      files:
        description:
          - The environment's files.
        type: list
        elements: dict
        default: []
        suboptions:
          path:
            description:
              - The file's path, as shown in messages.
              - Read on the target when O(environments[].files[].content) is absent.
            type: str
            required: true
          content:
            description:
              - The file's content (to check a file before it lands).
            type: str
          mode:
            description:
              - The file's mode as an octal string such as V(0600); stat on the target when absent and the file exists.
            type: str
          secret:
            description:
              - The file is a secret file (it may hold its own environment's secrets, with an owner-only mode).
            type: bool
            default: false
  dev_markers:
    description:
      - Substrings (lower case) that mark a value as a dev default.
    type: list
    elements: str
    default: [dev-only]

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: assistant.containers.stack_health_info
"""

EXAMPLES = r"""
---
- name: Check the rendered files of one environment before they land
  assistant.containers.env_isolation_info:
    environments:
      - name: prod
        secrets: "{{ compose_secrets }}"
        compose: "{{ rendered_compose | from_yaml }}"
        files:
          - path: docker-compose.prod.yml
            content: "{{ rendered_compose }}"
          - path: secrets/prod/postgres_password.999
            content: "{{ compose_secrets.postgres_password }}"
            mode: "0600"
            secret: true

- name: Check the committed files of all three environments
  assistant.containers.env_isolation_info:
    environments:
      - name: dev
        secrets: "{{ hostvars['compose-dev'].compose_secrets }}"
        files:
          - path: docker/docker-compose.dev.yml
          - path: docker/env/dev/app.env
      - name: prod
        secrets: "{{ hostvars['compose-prod'].compose_secrets }}"
        files:
          - path: docker/docker-compose.prod.yml
          - path: docker/env/prod/app.env
"""

RETURN = r"""
checked:
  description: The files checked, by environment.
  returned: always
  type: dict
  sample: {"prod": ["docker-compose.prod.yml", "env/prod/app.env"]}
problems:
  description: Every problem found (empty when the environments are isolated).
  returned: always
  type: list
  elements: str
  sample: []
"""

import os
import re
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.env_isolation import check

try:
    import yaml

    HAS_YAML = True
except ImportError:
    HAS_YAML = False


def _load(module, env):
    files = []
    for f in env.get("files") or []:
        f = dict(f)
        path = f["path"]
        if f.get("content") is None:
            try:
                with open(path, encoding="utf-8") as handle:
                    f["content"] = handle.read()
            except OSError as exc:
                module.fail_json(
                    msg=f"{env['name']}: cannot read {path} ({exc.strerror}); expected a readable file. "
                    "Render it first or give its content."
                )
        if f.get("mode") is None and os.path.exists(path):
            f["mode"] = f"{stat.S_IMODE(os.stat(path).st_mode):04o}"
        files.append(f)
    compose = env.get("compose")
    if compose is None:
        compose_file = next((f for f in files if re.search(r"docker-compose[^/]*\.ya?ml$", f["path"])), None)
        if compose_file is not None:
            if not HAS_YAML:
                module.fail_json(
                    msg=f"{env['name']}: reading {compose_file['path']} needs PyYAML on the target; install it "
                    "or give the parsed document in environments[].compose."
                )
            compose = yaml.safe_load(compose_file["content"])
    return {"name": env["name"], "secrets": env.get("secrets") or {}, "files": files, "compose": compose}


def main():
    module = AnsibleModule(
        argument_spec={
            "environments": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "name": {"type": "str", "required": True},
                    "secrets": {"type": "dict", "default": {}, "no_log": True},
                    "compose": {"type": "dict"},
                    "files": {
                        "type": "list",
                        "elements": "dict",
                        "default": [],
                        "options": {
                            "path": {"type": "str", "required": True},
                            "content": {"type": "str", "no_log": True},
                            "mode": {"type": "str"},
                            "secret": {"type": "bool", "default": False},
                        },
                    },
                },
            },
            "dev_markers": {"type": "list", "elements": "str", "default": ["dev-only"], "no_log": False},
        },
        supports_check_mode=True,
    )
    environments = [_load(module, env) for env in module.params["environments"]]
    problems = check(environments, tuple(m.lower() for m in module.params["dev_markers"]))
    checked = {env["name"]: [f["path"] for f in env["files"]] for env in environments}
    if problems:
        module.fail_json(
            msg=f"Environment isolation check failed with {len(problems)} problem(s): " + " ".join(problems),
            problems=problems,
            checked=checked,
        )
    module.exit_json(changed=False, problems=[], checked=checked)


if __name__ == "__main__":
    main()

#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: compose_postgres_password

short_description: Give a Compose project's running PostgreSQL the password of its secret file

version_added: 0.1.0

description:
  - PostgreSQL keeps its role's password in the data volume; the official image reads C(POSTGRES_PASSWORD_FILE)
    only when it creates the database. When the secret file changed, the running database must get the new
    password before any service or job connects with it.
  - Finds the project's running PostgreSQL container (by its Compose labels), reads the role's stored
    SCRAM-SHA-256 verifier with C(psql) in the container, and when it is not one of the password in the secret
    file, sets a verifier computed here (C(ALTER ROLE CURRENT_USER PASSWORD '<verifier>'), sent on C(psql)'s
    standard input). The password reaches neither the server, its logs, a command line nor this module's
    results; the module reads it from the file itself.
  - With no running PostgreSQL container (a first deploy) or no secret file, nothing is done.
  - One call instead of finding the container, the file, reading it and the verifier in separate tasks.
  - Needs the Docker CLI on the host. Check mode reads the verifier and reports whether the password would
    change, and changes nothing.

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
  project:
    description: The Compose project name.
    type: str
    required: true
  service:
    description: The PostgreSQL service of the project.
    type: str
    default: postgres
  secrets_dir:
    description:
      - The directory of the rendered secret files. The password is the content of the first file (by name)
        called O(secret) or O(secret).<suffix> in it (the compose role writes one copy per reading UID, all
        with the same content); trailing newlines are dropped, as the official image's C(file_env) does.
    type: path
    required: true
  secret:
    description: The secret's name.
    type: str
    default: postgres_password

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: assistant.containers.compose_rollout
"""

EXAMPLES = r"""
---
- name: Give PostgreSQL's role a changed postgres_password before anything starts with it
  assistant.containers.compose_postgres_password:
    project: assistant-stage
    secrets_dir: /opt/assistant/secrets/stage
  register: pg_password

- name: Start the services that read the password anew
  assistant.containers.compose_rollout:
    project_src: /opt/assistant
    project_name: assistant-stage
    files: [docker-compose.stage.yml]
    services: [api, agent, worker]
    step: replace
    reason: postgres_password rotated
  when: pg_password is changed
"""

RETURN = r"""
running:
  description: Whether a PostgreSQL container of the project runs (without one, nothing was compared).
  returned: always
  type: bool
  sample: true
container:
  description: The ID of the running PostgreSQL container (empty without one).
  returned: always
  type: str
  sample: 0123abcd...
rotated:
  description: Whether the role got (in check mode, would get) the new password. Equals C(changed).
  returned: always
  type: bool
  sample: false
"""

import glob
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.postgres_password import (
    PostgresPasswordError,
    password_rotation,
    psql_argv,
    secret_file,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            project=dict(type="str", required=True),
            service=dict(type="str", default="postgres"),
            secrets_dir=dict(type="path", required=True),
            secret=dict(type="str", default="postgres_password", no_log=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    result = dict(changed=False, running=False, container="", rotated=False)

    def run(argv, what, data=None):
        rc, out, err = module.run_command(argv, data=data)
        if rc != 0:
            module.fail_json(msg=f"{what} failed (exit {rc}): {(err or out).strip()[-1000:]}", **result)
        return out

    labels = [f"com.docker.compose.project={p['project']}", f"com.docker.compose.service={p['service']}"]
    labels.append("com.docker.compose.oneoff=False")
    filters = [arg for label in labels for arg in ("--filter", f"label={label}")]
    ids = run(["docker", "ps", "--quiet", "--no-trunc", *filters], "Listing the running PostgreSQL containers").split()
    path = secret_file(sorted(glob.glob(os.path.join(glob.escape(p["secrets_dir"]), p["secret"] + "*"))), p["secret"])
    result.update(running=bool(ids), container=ids[0] if ids else "")
    if not ids or path is None:
        module.exit_json(**result)
    with open(path, encoding="utf-8") as handle:
        password = handle.read()
    current = run(
        ["docker", "exec", ids[0], *psql_argv("SELECT rolpassword FROM pg_authid WHERE rolname = current_user")],
        "Reading the role's password verifier",
    )
    try:
        rotation = password_rotation(current.strip(), password)
    except PostgresPasswordError as exc:
        module.fail_json(msg=f"{path}: {exc}", **result)
    if rotation["rotate"] and not module.check_mode:
        run(["docker", "exec", "-i", ids[0], *psql_argv()], "Setting the role's new password", data=rotation["sql"])
    result.update(changed=rotation["rotate"], rotated=rotation["rotate"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()

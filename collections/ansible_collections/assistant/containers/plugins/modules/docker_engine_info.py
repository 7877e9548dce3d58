#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_engine_info

short_description: The Docker engine's packages, versions and service state, and the host's apt sources

version_added: 0.1.0

description:
  - Reads what installing and starting the Docker engine depends on, from a host that may have no engine, no
    Docker CLI and no Docker SDK yet. Nothing is changed, so it runs unchanged in check mode.
  - Reports dpkg's status of O(packages), the installed C(dockerd) version, whether the engine answers (and its
    version), the CLI plugins that load (buildx, compose), the supervisor's and systemd's view of the service, and
    the host's apt sources in both forms Debian keeps them (the installer's one-line C(/etc/apt/sources.list) and
    deb822 C(*.sources)), with the mirror serving O(release) and the suites apt holds lists for (RV(apt)).

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
  packages:
    description: Debian packages whose dpkg status and version are reported.
    type: list
    elements: str
    default: []
  supervisor:
    description:
      - Path of a supervisor script whose C(status) sub-command exits 0 when the engine runs under it.
      - When it does not exist, RV(supervisor_running) is V(false).
    type: path
  release:
    description: The Debian suite whose mirror RV(apt) reports as C(mirror) (usually the host's own codename).
    type: str
  apt_skip_prefix:
    description: Apt sources files whose base name starts with this are left out of RV(apt) (the role's own).
    type: str
    default: assistant-
  files:
    description:
      - Files whose state RV(files) reports (the engine's C(daemon.json), the supervisor script), so that a role
        can leave one alone, without a call of its own, when it already holds what the role would write.
    type: list
    elements: path
    default: []

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: ansible.builtin.package_facts
  - module: community.docker.docker_host_info
"""

EXAMPLES = r"""
---
- name: Read the engine's state
  assistant.containers.docker_engine_info:
    packages: [docker.io, docker-cli, docker-buildx, docker-compose]
    supervisor: /usr/local/sbin/assistant-dockerd
    release: "{{ ansible_facts['distribution_release'] }}"
  register: engine

- name: Say what is missing
  ansible.builtin.debug:
    msg: "Missing: {{ engine.missing_packages }}; mirror {{ engine.apt.mirror }}"
"""

RETURN = r"""
packages:
  description: dpkg's status (V(installed), V(not-installed), V(config-files)...) and version of each package.
  returned: always
  type: dict
  sample: {docker.io: {status: installed, version: "26.1.5+dfsg1-9+b11"}}
missing_packages:
  description: The packages of O(packages) that are not installed, in order.
  returned: always
  type: list
  elements: str
  sample: [docker-buildx]
dockerd_version:
  description: Version of the installed C(dockerd) binary, or null when there is none.
  returned: always
  type: str
  sample: 26.1.5
server:
  description: The engine that answers on the default socket (V(version), V(api_version)), or null.
  returned: always
  type: dict
  sample: {version: 26.1.5, api_version: "1.45"}
plugins:
  description: The Docker CLI plugins that load, by name, with their versions (only read when the engine answers).
  returned: always
  type: dict
  sample: {buildx: 0.13.1, compose: 2.26.1}
supervisor_running:
  description: Whether O(supervisor) reports the engine running; null when O(supervisor) is not given.
  returned: always
  type: bool
systemd:
  description: systemd's view of C(docker.service) (V(active), V(enabled)), or null when there is no systemctl.
  returned: always
  type: dict
  sample: {active: active, enabled: enabled}
restart_needed:
  description: The running engine is older than the installed C(dockerd) (an upgrade that a restart applies).
  returned: always
  type: bool
files:
  description:
    - Per path of O(files), its state (V(exists); when it does, its SHA-1 V(checksum), V(mode), V(uid) and
      V(gid)).
  returned: always
  type: dict
  sample: {/etc/docker/daemon.json: {exists: true, checksum: 0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33, mode: "0644",
                                     uid: 0, gid: 0}}
apt:
  description:
    - The host's apt sources (entries of both forms), the mirror serving O(release) (else the first mirror that
      is not a security one), the security mirror, and the suites apt holds lists for.
  returned: always
  type: dict
  sample:
    mirror: http://mirror.example/debian
    security_mirror: http://security.example/debian-security
    list_suites: [bookworm, bookworm-security, bookworm-updates]
    sources:
      - {file: /etc/apt/sources.list, form: one-line, types: [deb], uris: ["http://mirror.example/debian"],
         suites: [bookworm], components: [main], enabled: true}
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.apt_sources import (
    host_list_suites,
    main_mirror,
    parse_sources,
    read_host_sources,
    security_mirror,
)
from ansible_collections.assistant.containers.plugins.module_utils.docker_engine import file_state, read_engine


def _runner(module):
    def run(argv):
        exe = argv[0] if os.path.isabs(argv[0]) and os.access(argv[0], os.X_OK) else module.get_bin_path(argv[0])
        if not exe:
            return None, "", ""
        return module.run_command([exe, *list(argv[1:])], environ_update={"LC_ALL": "C"})

    return run


def main():
    module = AnsibleModule(
        argument_spec=dict(
            packages=dict(type="list", elements="str", default=[]),
            supervisor=dict(type="path"),
            release=dict(type="str"),
            apt_skip_prefix=dict(type="str", default="assistant-"),
            files=dict(type="list", elements="path", default=[]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    result = read_engine(_runner(module), p["packages"], p["supervisor"])
    entries = parse_sources(read_host_sources(skip_prefix=p["apt_skip_prefix"] or None))
    result["apt"] = {
        "sources": entries,
        "mirror": main_mirror(entries, p["release"]),
        "security_mirror": security_mirror(entries),
        "list_suites": host_list_suites(),
    }
    result["files"] = {path: file_state(path) for path in p["files"]}
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: host_preflight_info

short_description: What a deploy must know about a Docker host before it changes anything, in one call

version_added: 0.1.0

description:
  - Reports the engine's version and data directory, the free space there, the host ports the Compose project's
    running containers publish, which of O(ports) something else already holds, the services with a running
    container, the project's service containers, and its one-off (C(docker compose run)) containers.
  - It only reads and connects; the caller decides what is acceptable, so it runs unchanged in check mode.

extends_documentation_fragment:
  - assistant.containers.docker
  - assistant.containers.attributes
  - assistant.containers.attributes.actiongroup_docker
  - assistant.containers.attributes.info_module

options:
  project:
    description:
      - Name of the Compose project; its containers are those labelled C(com.docker.compose.project=<project>).
    type: str
    required: true
  ports:
    description:
      - Host ports the project publishes. Each one the project's own running containers do not publish is
        probed with a TCP connect; one that accepts the connection is reported in RV(busy_ports).
    type: list
    elements: dict
    default: []
    suboptions:
      port:
        description: The port.
        type: int
        required: true
      host:
        description: The address to probe.
        type: str
        default: 127.0.0.1
  connect_timeout:
    description:
      - Seconds to wait for each port probe's connection.
    type: float
    default: 1

requirements:
  - "Docker API >= 1.25"

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: community.docker.docker_host_info
  - module: assistant.containers.stack_health_info
"""

EXAMPLES = r"""
---
- name: Look at the host before deploying
  assistant.containers.host_preflight_info:
    project: assistant-prod
    ports:
      - port: 443
        host: 0.0.0.0
  register: preflight

- name: Refuse ports held by something else
  ansible.builtin.assert:
    that: preflight.busy_ports | length == 0
"""

RETURN = r"""
engine:
  description: The engine's version, API version and data directory.
  returned: always
  type: dict
  sample: {version: "26.1.5", api_version: "1.45", docker_root_dir: /var/lib/docker}
free_mb:
  description: Megabytes free under the engine's data directory (as C(df --output=avail -m) reports).
  returned: always
  type: int
  sample: 20480
own_ports:
  description: Host ports the project's running containers publish.
  returned: always
  type: list
  elements: int
  sample: [8080]
busy_ports:
  description: The entries of O(ports) that something other than the project already listens on.
  returned: always
  type: list
  elements: dict
  sample: [{port: 8080, host: 127.0.0.1}]
running_services:
  description: The project's services with a running container (one-off containers do not count).
  returned: always
  type: list
  elements: str
  sample: [api, postgres]
containers:
  description:
    - The project's service containers (one-off containers left out), running or not, as V(service), V(id) and
      V(state), sorted. A deploy compares them before and after to know which services it changed.
  returned: always
  type: list
  elements: dict
  sample: [{service: api, id: 0123456789abcdef0123456789abcdef, state: running}]
crowded_services:
  description:
    - The services of RV(containers) with more than one container (a scaled service, or what an interrupted
      cut-over left). A deploy runs compose_rollout's tidy only when there is one.
  returned: always
  type: list
  elements: str
  sample: [api]
one_off:
  description: The project's one-off containers (V(id), V(name), V(state)), running or not.
  returned: always
  type: list
  elements: dict
  sample: [{id: 0123456789ab, name: assistant-dev-migrate-run-1a2b3c, state: running}]
"""

from ansible_collections.assistant.containers.plugins.module_utils.docker_client import AnsibleDockerClient, run_module
from ansible_collections.assistant.containers.plugins.module_utils.host_preflight import (
    busy_ports,
    crowded_services,
    free_mb,
    one_off,
    port_in_use,
    published_ports,
    running_services,
    service_containers,
)


class HostPreflight:
    def __init__(self, client):
        self.client = client
        self.params = client.module.params

    def run(self):
        api = self.client.api
        info = api.info()
        version = api.version()
        root = info.get("DockerRootDir") or "/var/lib/docker"
        listed = api.containers(all=True, filters={"label": [f"com.docker.compose.project={self.params['project']}"]})
        own = published_ports([c for c in listed if c.get("State") == "running"])
        rows = service_containers(listed)
        timeout = self.params["connect_timeout"]
        return {
            "changed": False,
            "engine": {
                "version": version.get("Version"),
                "api_version": version.get("ApiVersion"),
                "docker_root_dir": root,
            },
            "free_mb": free_mb(root),
            "own_ports": own,
            "running_services": running_services(listed),
            "busy_ports": busy_ports(self.params["ports"], own, lambda h, p: port_in_use(h, p, timeout)),
            "one_off": one_off(listed),
            "containers": rows,
            "crowded_services": crowded_services(rows),
        }


def main():
    argument_spec = dict(
        project=dict(type="str", required=True),
        ports=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(port=dict(type="int", required=True), host=dict(type="str", default="127.0.0.1")),
        ),
        connect_timeout=dict(type="float", default=1),
    )
    client = AnsibleDockerClient(argument_spec=argument_spec, supports_check_mode=True)
    run_module(client, HostPreflight)


if __name__ == "__main__":
    main()

#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: stack_health_info

short_description: Wait until every service of a Compose project or Swarm stack is running and healthy

version_added: 0.1.0

description:
  - Waits until every expected service of a Docker Compose project or a Docker Swarm stack has its desired number of
    containers or tasks running and healthy, and every configured HTTP endpoint answers as expected.
  - A container with a health check counts once Docker reports it V(healthy); a container without one counts once it
    runs. One-shot services listed in O(completed_services) count once all their containers exited with code 0.
  - Returns a per-service table with desired and running counts, health, seconds from the start of the wait until the
    service was healthy, and endpoint results.
  - Fails when a service does not become healthy within its timeout, or at once when Docker reports a container
    V(unhealthy) or a container has exited with a non-zero code (see O(fail_fast)). The message names each failed
    service with its health-check output, exit codes and last log lines. It never waits past O(timeout).
  - It only reads state, so it runs unchanged in check mode.

extends_documentation_fragment:
  - assistant.containers.docker
  - assistant.containers.attributes
  - assistant.containers.attributes.actiongroup_docker
  - assistant.containers.attributes.info_module

options:
  project:
    description:
      - Name of the Compose project; its containers are those labelled C(com.docker.compose.project=<project>).
      - One-off containers (C(docker compose run)) are ignored.
      - Exactly one of O(project) and O(stack) is required.
    type: str
  stack:
    description:
      - Name of the Swarm stack; its services are those labelled C(com.docker.stack.namespace=<stack>), named
        V(<stack>_<service>). Give services by their short name.
      - Desired replicas come from each service's spec. A task's health comes from its container when that runs on
        this node, and from the task state otherwise (Swarm keeps a task with a health check in V(starting) until
        it is healthy).
      - Swarm job services must be listed in O(completed_services).
    type: str
  services:
    description:
      - Services that must be healthy. Default is every service found at the start of the wait, plus those named in
        O(replicas), O(completed_services), O(service_timeouts) and O(endpoints).
      - A listed service without containers is V(missing) until it appears or its timeout passes.
    type: list
    elements: str
  replicas:
    description:
      - Desired number of healthy containers per service, as a mapping of service name to count.
      - Default for Compose is the number of containers of the service (at least one); for Swarm the replica count
        of the service spec (for global services, the number of tasks meant to run).
    type: dict
    default: {}
  completed_services:
    description:
      - One-shot services, such as a database migration, that must have run to completion with exit code 0 instead
        of staying up.
    type: list
    elements: str
    default: []
  timeout:
    description:
      - Seconds the whole wait may take. The module never waits longer.
      - It takes the place of the Docker connection option of the same name, so it is also the longest a single
        Docker API request may take (whole seconds; E(DOCKER_TIMEOUT) does not apply).
    type: float
    default: 300
  service_timeouts:
    description:
      - Seconds each named service may take to become healthy, as a mapping of service name to seconds.
      - A value above O(timeout) is capped at O(timeout).
    type: dict
    default: {}
  interval:
    description:
      - Seconds between two looks at the stack.
    type: float
    default: 2
  fail_fast:
    description:
      - Fail as soon as Docker reports a container V(unhealthy) (it has spent its health check retries) or a container
        exited with a non-zero code, instead of waiting for the timeout.
    type: bool
    default: true
  log_lines:
    description:
      - Number of last log lines of each container of a failed service to show in the failure message.
    type: int
    default: 20
  endpoints:
    description:
      - HTTP endpoints that must answer before their service counts as healthy. They are asked once the service's
        containers are healthy; an endpoint that answered as expected is not asked again.
    type: list
    elements: dict
    default: []
    suboptions:
      service:
        description:
          - The service the endpoint belongs to; its result is shown in that service's row.
        type: str
        required: true
      url:
        description:
          - The V(http://) or V(https://) URL to GET.
        type: str
        required: true
      status:
        description:
          - HTTP status codes that count as a good answer.
        type: list
        elements: int
        default: [200]
      json:
        description:
          - The body must be JSON containing these keys with these values (nested mappings are compared key by key;
            extra keys in the body are allowed).
        type: dict
      timeout:
        description:
          - Seconds one request may take (capped by the time left of the service's timeout).
        type: float
        default: 5
      validate_certs:
        description:
          - Verify the server's TLS certificate for V(https://) URLs.
        type: bool
        default: true

requirements:
  - "Docker API >= 1.25"

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: community.docker.docker_compose_v2
  - module: community.docker.docker_stack
  - module: assistant.containers.image_budget_info
"""

EXAMPLES = r"""
---
- name: Wait for the Compose project to be healthy
  assistant.containers.stack_health_info:
    project: assistant
    completed_services:
      - migrate
    timeout: 240
    service_timeouts:
      postgres: 60
      api: 120
    endpoints:
      - service: api
        url: http://127.0.0.1:8000/ready
        json:
          status: ok
      - service: nginx
        url: http://127.0.0.1/health
  register: __stack_health

- name: Print the per-service summary
  ansible.builtin.debug:
    msg: "{{ __stack_health.table }}"

- name: Wait for a Swarm stack with two API replicas
  assistant.containers.stack_health_info:
    stack: assistant
    replicas:
      api: 2
    timeout: 300
"""

RETURN = r"""
services:
  description: One row per service, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: Service name (short name for a Swarm stack).
      type: str
      sample: api
    state:
      description: >-
        V(healthy), V(completed) (one-shot service done), V(starting), V(missing) (no container or task),
        V(endpoint-failing) (containers healthy, an endpoint not yet as expected), V(unhealthy) or V(exited).
      type: str
      sample: healthy
    desired:
      description: Desired number of healthy containers or tasks.
      type: int
      sample: 1
    running:
      description: Containers or tasks running.
      type: int
      sample: 1
    healthy:
      description: Running containers or tasks that are healthy (or have no health check).
      type: int
      sample: 1
    health:
      description: Distinct health states of the running containers, comma separated; V(n/a) for one-shot services.
      type: str
      sample: healthy
    time_to_healthy:
      description: Seconds from the start of the wait until the service was healthy, or V(null).
      type: float
      sample: 7.42
    timed_out:
      description: Whether the service's timeout passed before it was healthy.
      type: bool
      sample: false
    one_shot:
      description: Whether the service is listed in O(completed_services).
      type: bool
      sample: false
    endpoints:
      description: Endpoint results (V(url), V(expected_status), V(status), V(ok), V(error)).
      type: list
      elements: dict
      sample: [{url: http://127.0.0.1:8000/ready, expected_status: [200], status: 200, ok: true, error: null}]
    containers:
      description: >-
        The containers or tasks seen last (V(id), V(name), V(image) (the image ID a local container runs),
        V(state), V(health), V(exit_code), V(error), V(restarting), V(health_output), V(health_exit_code)).
      type: list
      elements: dict
    history:
      description: Failed earlier Swarm tasks of the service, reported for diagnosis.
      type: list
      elements: dict
    elapsed:
      description: Seconds the whole wait took.
      type: float
      sample: 9.1
table:
  description: The per-service table as lines of text, for a deployment summary.
  returned: always
  type: list
  elements: str
  sample:
    - SERVICE  STATE      DESIRED  RUNNING  HEALTHY  HEALTH   TIME TO HEALTHY  ENDPOINTS
    - api      healthy    1        1        1        healthy  7.4s             1/1 ok
    - migrate  completed  1        0        0        n/a      3.1s             -
elapsed:
  description: Seconds the whole wait took.
  returned: always
  type: float
  sample: 9.1
"""

import time
from urllib.error import HTTPError

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.urls import open_url
from ansible_collections.assistant.containers.plugins.module_utils.docker_client import (
    AnsibleDockerClient,
    DockerException,
    NotFound,
    run_module,
    version_lt,
)
from ansible_collections.assistant.containers.plugins.module_utils.stack_health import (
    COMPOSE_PROJECT_LABEL,
    STACK_NAMESPACE_LABEL,
    HealthOptionError,
    compose_service_of,
    container_observation,
    failure_message,
    format_table,
    normalize_endpoints,
    swarm_service_entry,
    wait_for_stack,
)

_MAX_BODY = 1024 * 1024


def _fetch(url, timeout, validate_certs):
    """GET ``url``; an HTTP error status is an answer, not an exception."""
    try:
        response = open_url(
            url,
            method="GET",
            timeout=timeout,
            validate_certs=validate_certs,
            follow_redirects="none",
            headers={"Accept": "application/json, */*"},
        )
        return response.getcode(), response.read(_MAX_BODY)
    except HTTPError as exc:
        return exc.code, exc.read(_MAX_BODY) if exc.fp else b""


class StackObserver:
    """Snapshots of a Compose project's containers or a Swarm stack's tasks."""

    def __init__(self, client, project=None, stack=None):
        self.client = client
        self.project = project
        self.stack = stack
        # container name or short id -> full id, for fetching logs of failed services
        self.containers = {}

    def __call__(self):
        return self._observe_compose() if self.project else self._observe_stack()

    def _inspect(self, container_id):
        try:
            inspect = self.client.api.inspect_container(container_id)
        except NotFound:
            return None  # removed since it was listed, or a Swarm task on another node
        name = (inspect.get("Name") or "").lstrip("/") or inspect["Id"][:12]
        self.containers[name] = inspect["Id"]
        return inspect

    def _observe_compose(self):
        snapshot = {}
        listed = self.client.api.containers(all=True, filters={"label": [f"{COMPOSE_PROJECT_LABEL}={self.project}"]})
        for item in listed:
            service = compose_service_of(item.get("Labels"), self.project)
            inspect = self._inspect(item["Id"]) if service else None
            if inspect is not None:
                entry = snapshot.setdefault(service, {"desired": None, "containers": []})
                entry["containers"].append(container_observation(inspect))
        return snapshot

    def _observe_stack(self):
        snapshot = {}
        # The running and desired task counts (ServiceStatus) come with API 1.41; older engines send none.
        status = None if version_lt(self.client.api_version, "1.41") else True
        services = self.client.api.services(
            filters={"label": [f"{STACK_NAMESPACE_LABEL}={self.stack}"]},
            status=status,
        )
        for service in services:
            tasks = self.client.api.tasks(filters={"service": [service["ID"]]})
            name, entry = swarm_service_entry(self.stack, service, tasks, self._inspect)
            snapshot[name] = entry
        return snapshot

    def last_log_lines(self, name_or_id, lines):
        """The container's last log lines, or a note saying why there are none."""
        container_id = self.containers.get(name_or_id)
        if container_id is None:
            return ["(no logs: the container is not on this Docker host)"]
        try:
            output = self.client.api.logs(container_id, stdout=True, stderr=True, timestamps=False, tail=lines)
        except DockerException as exc:
            return [f"(no logs: {to_native(exc)})"]
        text = to_text(output, errors="surrogate_or_replace").rstrip("\n")
        return text.splitlines()[-lines:] if text else ["(no log output)"]


class StackHealthGate:
    def __init__(self, client, clock=time.monotonic, sleep=time.sleep):
        self.client = client
        self.params = client.module.params
        self.clock = clock
        self.sleep = sleep
        self.observer = StackObserver(client, project=self.params["project"], stack=self.params["stack"])

    def fail(self, msg, **kwargs):
        self.client.fail(msg, **kwargs)

    def _expected_services(self, endpoints):
        params = self.params
        named = set(params["replicas"]) | set(params["completed_services"]) | set(params["service_timeouts"])
        named |= set(endpoints)
        if params["services"]:
            unknown = sorted(named - set(params["services"]))
            if unknown:
                self.fail(
                    f"services: expected every service named in replicas, completed_services, service_timeouts "
                    f"and endpoints to be listed, found {', '.join(unknown)} missing from services. "
                    "Add them to services or leave services out to check every service."
                )
            return list(params["services"])
        found = set(self.observer())
        if not found and not named:
            kind, label = ("project", COMPOSE_PROJECT_LABEL) if params["project"] else ("stack", STACK_NAMESPACE_LABEL)
            self.fail(
                f"{kind}: expected containers or services labelled {label}={params[kind]}, found none. "
                f"Deploy the {kind} first, or check its name."
            )
        return sorted(found | named)

    def run(self):
        params = self.params
        for name, count in params["replicas"].items():
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                self.fail(f"replicas.{name}: expected a non-negative whole number, found {count!r}.")
        try:
            endpoints = normalize_endpoints(params["endpoints"])
            services = self._expected_services(endpoints)
            ok, rows, failed = wait_for_stack(
                dict((name, params["replicas"].get(name)) for name in services),
                self.observer,
                _fetch,
                self.clock,
                self.sleep,
                global_timeout=params["timeout"],
                interval=params["interval"],
                service_timeouts=params["service_timeouts"],
                one_shot=params["completed_services"],
                endpoints=endpoints,
                fail_fast=params["fail_fast"],
            )
        except HealthOptionError as exc:
            self.fail(to_native(exc))
        result = {
            "changed": False,
            "services": rows,
            "table": format_table(rows),
            "elapsed": rows[0]["elapsed"] if rows else 0.0,
        }
        if not ok:
            logs = {}
            for name in failed:
                row = next(r for r in rows if r["service"] == name)
                logs[name] = dict(
                    (c["name"] or c["id"], self.observer.last_log_lines(c["name"] or c["id"], params["log_lines"]))
                    for c in row["containers"]
                    if params["log_lines"] > 0
                )
            self.client.fail_results.update(result)
            self.fail(failure_message(rows, failed, logs, params["timeout"]))
        return result


def main():
    argument_spec = dict(
        project=dict(type="str"),
        stack=dict(type="str"),
        services=dict(type="list", elements="str"),
        replicas=dict(type="dict", default={}),
        completed_services=dict(type="list", elements="str", default=[]),
        timeout=dict(type="float", default=300),
        service_timeouts=dict(type="dict", default={}),
        interval=dict(type="float", default=2),
        fail_fast=dict(type="bool", default=True),
        log_lines=dict(type="int", default=20),
        endpoints=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                service=dict(type="str", required=True),
                url=dict(type="str", required=True),
                status=dict(type="list", elements="int", default=[200]),
                json=dict(type="dict"),
                timeout=dict(type="float", default=5),
                validate_certs=dict(type="bool", default=True),
            ),
        ),
    )

    client = AnsibleDockerClient(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("project", "stack")],
        required_one_of=[("project", "stack")],
        fail_results={"services": [], "table": []},
    )

    run_module(client, StackHealthGate)


if __name__ == "__main__":
    main()

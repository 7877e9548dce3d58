#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: compose_rollout

short_description: Update Compose services without downtime, by starting the new container beside the old one

version_added: 0.1.0

description:
  - For each service of O(services) whose running container does not run the project's current configuration
    (Compose's config hash) or image, starts a second container with the new configuration
    (C(docker compose up --no-deps --no-recreate --scale SERVICE=2)), waits until Docker calls it healthy (or,
    without a health check, running), waits O(settle) seconds so that a proxy that resolves the service's name
    sees both, then stops the old container with its own stop timeout (C(stop_grace_period)), so it finishes
    the requests or the task it is serving, and removes it.
  - A new container that does not become healthy within O(health_timeout) is removed and the module fails;
    the old container keeps serving.
  - A service with no running container is left to Compose (nothing serves yet); a service that publishes a
    fixed host port cannot run twice and is left to Compose, which recreates it in place. Both are reported.
  - A cut-over that was interrupted (two containers, one of them current) is finished, and the old ones go.
  - Needs the Docker CLI with the Compose plugin on the host. Check mode reports the plan and changes nothing.

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
  project_src:
    description: The Compose project directory.
    type: path
    required: true
  project_name:
    description: The Compose project name.
    type: str
    required: true
  files:
    description: Compose files, relative to O(project_src), in order.
    type: list
    elements: str
    required: true
  services:
    description: The services to update this way (stateless ones that can run twice for a while).
    type: list
    elements: str
    required: true
  health_timeout:
    description: Seconds the new container may take to become healthy.
    type: int
    default: 180
  settle:
    description:
      - Seconds between the new container becoming healthy and the old one being stopped, so that a proxy
        which caches the service's addresses (nginx C(resolver valid=)) has learnt the new one.
    type: float
    default: 3

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: community.docker.docker_compose_v2
"""

EXAMPLES = r"""
---
- name: Replace the app services one by one, without failing a request
  assistant.containers.compose_rollout:
    project_src: /opt/assistant
    project_name: assistant-stage
    files: [docker-compose.stage.yml]
    services: [api, agent, sms, worker]
    settle: 3
  register: rollout
"""

RETURN = r"""
results:
  description: Per service, the action taken (V(unchanged), V(create), V(cutover), V(in_place)), why, and seconds.
  returned: always
  type: list
  elements: dict
  sample: [{service: api, action: cutover, reason: image changed, old: ["0123abcd..."], new: "4567ef01...",
            seconds: 14.2}]
summary:
  description: One line per service, for a deploy summary.
  returned: always
  type: list
  elements: str
  sample: ["api: cutover (image changed), 14.2 s", "worker: unchanged (runs the wanted configuration)"]
"""

import json
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.rollout import (
    CUTOVER,
    fixed_host_ports,
    health,
    new_containers,
    parse_hashes,
    plan_service,
    service_containers,
    summary,
)

PROJECT_LABEL = "com.docker.compose.project"


class Rollout:
    def __init__(self, module):
        self.module = module
        p = module.params
        self.compose = ["docker", "compose", "--ansi", "never", "--project-directory", p["project_src"]]
        self.compose += ["-p", p["project_name"]]
        for f in p["files"]:
            self.compose += ["--file", f"{p['project_src']}/{f}"]
        self.project = p["project_name"]

    def run(self, argv, what):
        rc, out, err = self.module.run_command(argv, cwd=self.module.params["project_src"])
        if rc != 0:
            self.module.fail_json(msg=f"{what} failed (exit {rc}): {(err or out).strip()[-2000:]}", cmd=argv)
        return out

    def containers(self):
        ids = self.run(
            [
                "docker",
                "ps",
                "--all",
                "--quiet",
                "--no-trunc",
                "--filter",
                f"label=com.docker.compose.project={self.project}",
            ],
            "Listing the project's containers",
        ).split()
        if not ids:
            return []
        return json.loads(self.run(["docker", "inspect", *ids], "Inspecting the project's containers"))

    def image_ids(self, refs):
        ids = {}
        for ref in sorted(set(refs)):
            rc, out = self.module.run_command(["docker", "image", "inspect", "--format", "{{.Id}}", ref])[:2]
            ids[ref] = out.strip() if rc == 0 else None
        return ids

    def wait_healthy(self, container_id, timeout):
        deadline = time.monotonic() + timeout
        while True:
            (c,) = json.loads(self.run(["docker", "inspect", container_id], "Inspecting the new container"))
            verdict = health(c)
            if verdict in ("healthy", "running"):
                return verdict, None
            if verdict in ("unhealthy", "exited") or time.monotonic() > deadline:
                log = ((c.get("State") or {}).get("Health") or {}).get("Log") or []
                last = (log[-1].get("Output") or "").strip()[-500:] if log else ""
                return ("timed out" if verdict in ("starting", "running") else verdict), last
            time.sleep(0.5)

    def cutover(self, plan, config):
        service = plan["service"]
        p = self.module.params
        started = time.monotonic()
        new_id = plan.get("keep")
        if not new_id:
            # Stopped leftovers would count towards the scale; they serve nothing.
            before = self.containers()
            stopped = [
                c["Id"] for c in service_containers(before, service) if not (c.get("State") or {}).get("Running")
            ]
            if stopped:
                self.run(["docker", "rm", *stopped], f"Removing {service}'s stopped containers")
            before = service_containers(self.containers(), service)
            self.run(
                [
                    *self.compose,
                    "up",
                    "--detach",
                    "--no-deps",
                    "--no-recreate",
                    "--pull",
                    "never",
                    "--scale",
                    f"{service}={len(before) + 1}",
                    service,
                ],
                f"Starting a new {service} container beside the old one",
            )
            fresh = new_containers([c["Id"] for c in before], service_containers(self.containers(), service))
            if len(fresh) != 1:
                self.module.fail_json(
                    msg=f"Expected one new {service} container after the scale-up, found {len(fresh)}."
                )
            new_id = fresh[0]["Id"]
            verdict, last = self.wait_healthy(new_id, p["health_timeout"])
            if verdict not in ("healthy", "running"):
                self.module.run_command(["docker", "rm", "--force", new_id])
                self.module.fail_json(
                    msg=(
                        f"The new {service} container was {verdict} after up to {p['health_timeout']} s"
                        f" (health_timeout); it was removed and the old one keeps serving."
                        + (f" Its last health check said: {last}" if last else "")
                    ),
                    results=self.results,
                )
            time.sleep(p["settle"])
        old = [i for i in plan["old"] if i != new_id]
        if old:
            # docker stop uses each container's own stop timeout (Compose's stop_grace_period).
            self.run(["docker", "stop", *old], f"Stopping the old {service} container")
            self.run(["docker", "rm", *old], f"Removing the old {service} container")
        return dict(plan, new=new_id, old=old, seconds=round(time.monotonic() - started, 1))

    def main(self):
        p = self.module.params
        config = json.loads(
            self.run([*self.compose, "config", "--format", "json"], "Reading the project's configuration")
        )
        services = config.get("services") or {}
        unknown = [s for s in p["services"] if s not in services]
        if unknown:
            self.module.fail_json(
                msg=f"services: {', '.join(unknown)} not in the project (it has {', '.join(sorted(services))})."
            )
        hashes = parse_hashes(self.run([*self.compose, "config", "--hash", ",".join(p["services"])], "Hashing"))
        images = self.image_ids(services[s].get("image") for s in p["services"])
        containers = self.containers()
        plans = [
            plan_service(
                s,
                service_containers(containers, s),
                hashes.get(s),
                images.get(services[s].get("image")),
                fixed_host_ports(services[s]),
            )
            for s in p["services"]
        ]
        self.results = []
        changed = any(pl["action"] == CUTOVER for pl in plans)
        for plan in plans:
            if plan["action"] == CUTOVER and not self.module.check_mode:
                self.results.append(self.cutover(plan, config))
            else:
                self.results.append(plan)
        self.module.exit_json(changed=changed, results=self.results, summary=summary(self.results))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            project_src=dict(type="path", required=True),
            project_name=dict(type="str", required=True),
            files=dict(type="list", elements="str", required=True),
            services=dict(type="list", elements="str", required=True),
            health_timeout=dict(type="int", default=180),
            settle=dict(type="float", default=3),
        ),
        supports_check_mode=True,
    )
    Rollout(module).main()


if __name__ == "__main__":
    main()

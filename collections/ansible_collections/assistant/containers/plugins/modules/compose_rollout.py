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
  - For the services of O(services) that Compose would recreate (O(recreate), from a dry run of the same
    C(up)), starts as many new containers as each has replicas beside the old ones, all in one
    C(docker compose up --no-deps --no-recreate --scale SERVICE=N ...) with the services of O(selection), so that
    the new containers carry the configuration hash the later C(up) compares with; waits until Docker calls
    them all healthy (or, without a health check, running), waits O(settle) seconds so that a proxy that
    resolves the services' names has learnt them, then stops the old containers with their own stop timeout
    (C(stop_grace_period)), so that they finish the requests or the tasks they are serving, and removes them.
    With O(parallel=false), one service after another instead.
  - A new container that does not become healthy within O(health_timeout) is removed with the other new
    ones and the module fails; the old containers keep serving (with O(parallel=false), those of the services
    cut over before it stay replaced).
  - A service with no running container is left to Compose (nothing serves yet); a service that publishes a
    fixed host port cannot run twice and is left to Compose, which recreates it in place. Both are reported,
    as are the services outside O(services) that Compose will recreate (RV(restarts)); those of
    O(warn_restart) are also warned about, before the C(up) restarts them.
  - With O(step=tidy), finishes what an interrupted cut-over left (more containers than the service's
    replicas, or stopped leftovers), keeping the newest containers that serve and stopping and removing the
    others. Run it before the dry run, so that Compose judges the service's wanted containers.
  - With O(step=replace), replaces every running container of O(services), whatever Compose's configuration
    hash says, for a change the hash does not see (such as the content of a secret file that the service reads
    when it starts). A service that can run twice is cut over as above; one that publishes a fixed host port is
    restarted (C(docker compose restart --no-deps); a start mounts the file anew). O(reason) says why.
  - Needs the Docker CLI with the Compose plugin on the host. Check mode reports the plan and changes nothing.

extends_documentation_fragment:
  - assistant.containers.attributes

attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - V(cutover) and V(tidy) change nothing the second time; V(replace) replaces the containers on every run,
        by design (the caller decides when a secret changed).

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
    description:
      - The services to update this way (stateless ones that can run twice for a while; with O(step=replace),
        the ones to replace).
    type: list
    elements: str
    required: true
  selection:
    description:
      - The services the C(up) that follows brings up (with C(--no-deps)). Compose's configuration hash of a
        service depends on them, so the new containers are started with the same selection. Defaults to
        O(services).
    type: list
    elements: str
    default: []
  recreate:
    description:
      - The names of the containers Compose would recreate, from a dry run of the C(up) that follows
        (M(community.docker.docker_compose_v2) in check mode, the IDs of its
        RV(community.docker.docker_compose_v2#module:actions) of status V(Recreate)). Only for O(step=cutover).
    type: list
    elements: str
    default: []
  warn_restart:
    description: Services whose restart by the C(up) is warned about (stateful ones, such as the database).
    type: list
    elements: str
    default: []
  step:
    description:
      - V(cutover) replaces the services Compose would recreate; V(tidy) only finishes what an interrupted
        cut-over left; V(replace) replaces every running container of O(services).
    type: str
    choices: [cutover, tidy, replace]
    default: cutover
  reason:
    description: Why the containers are replaced, for RV(results) and RV(summary). Only for O(step=replace).
    type: str
    default: requested
  health_timeout:
    description: Seconds the new container may take to become healthy.
    type: int
    default: 180
  parallel:
    description:
      - Cut over all the services together (the host runs one more container of each for those seconds).
      - V(false) cuts over one service after another, each drained before the next starts.
    type: bool
    default: true
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
- name: Finish an interrupted cut-over
  assistant.containers.compose_rollout:
    project_src: /opt/assistant
    project_name: assistant-stage
    files: [docker-compose.stage.yml]
    services: [api, agent, sms, worker]
    step: tidy

- name: Ask Compose which containers its up would recreate
  community.docker.docker_compose_v2:
    project_src: /opt/assistant
    project_name: assistant-stage
    files: [docker-compose.stage.yml]
    services: [api, agent, sms, worker, nginx, postgres, redis]
    dependencies: false
    pull: never
  check_mode: true
  changed_when: false
  register: dry_run

- name: Replace the changed app services together, without failing a request
  assistant.containers.compose_rollout:
    project_src: /opt/assistant
    project_name: assistant-stage
    files: [docker-compose.stage.yml]
    services: [api, agent, sms, worker]
    selection: [api, agent, sms, worker, nginx, postgres, redis]
    recreate: "{{ dry_run.actions | selectattr('what', 'eq', 'container') | selectattr('status', 'eq', 'Recreate')
                  | map(attribute='id') }}"
    warn_restart: [postgres, redis]
    settle: 3
  register: rollout

- name: After a secret file the app services read at start changed, start them anew without downtime
  assistant.containers.compose_rollout:
    project_src: /opt/assistant
    project_name: assistant-stage
    files: [docker-compose.stage.yml]
    services: [api, agent, worker]
    selection: [api, agent, sms, worker, nginx, postgres, redis]
    step: replace
    reason: postgres_password rotated
"""

RETURN = r"""
results:
  description:
    - Per service of O(services), the action taken (V(unchanged), V(create), V(cutover), V(in_place), V(tidy),
      V(restart)), why, the containers that went (V(old)), the new one (V(new)) and the seconds it took (for
      a cut-over, the whole cut-over, shared by the services cut over together; V(healthy_after), the seconds
      until its new containers served).
  returned: always
  type: list
  elements: dict
  sample: [{service: api, action: cutover, reason: image changed, old: ["0123abcd..."], new: ["4567ef01..."],
            healthy_after: 8.1, seconds: 14.2}]
restarts:
  description:
    - The services Compose will stop and start again (recreate in place) in the C(up) that follows.
    - With O(step=replace), the services the module restarted.
  returned: always
  type: list
  elements: str
  sample: [postgres]
summary:
  description: One line per service that was (or, in check mode, would be) changed, for a deploy summary.
  returned: always
  type: list
  elements: str
  sample: ["api: cutover (image changed), 14.2 s", "postgres: in place (not cut over), restarted by Compose"]
"""

import json
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.rollout import (
    CUTOVER,
    REPLACE,
    RESTART,
    TIDY,
    UNCHANGED,
    cutover_progress,
    depends_on,
    fixed_host_ports,
    last_health_output,
    new_containers,
    plan_replace,
    plan_service,
    plan_tidy,
    replicas,
    restart_warning,
    restarts,
    scale_arguments,
    service_containers,
    services_of,
    summary,
)


class Rollout:
    def __init__(self, module):
        self.module = module
        p = module.params
        self.compose = ["docker", "compose", "--ansi", "never", "--project-directory", p["project_src"]]
        self.compose += ["-p", p["project_name"]]
        for f in p["files"]:
            self.compose += ["--file", f"{p['project_src']}/{f}"]
        self.project = p["project_name"]
        self.selection = list(p["selection"]) or list(p["services"])
        self.results = []
        self.completed = []

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, results=self.results + self.completed, **kwargs)

    def run(self, argv, what):
        rc, out, err = self.module.run_command(argv, cwd=self.module.params["project_src"])
        if rc != 0:
            self.fail(f"{what} failed (exit {rc}): {(err or out).strip()[-2000:]}", cmd=argv)
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

    def image_id(self, ref):
        if not ref:
            return None
        rc, out = self.module.run_command(["docker", "image", "inspect", "--format", "{{.Id}}", ref])[:2]
        return out.strip() if rc == 0 else None

    def drain(self, ids):
        """Stops (each with its own stop timeout: Compose's stop_grace_period; the CLI stops them in parallel)
        and removes containers."""
        if ids:
            self.run(["docker", "stop", *ids], "Stopping the old containers")
            self.run(["docker", "rm", *ids], "Removing the old containers")

    def cutover(self, plans, services):
        """Cuts over the services of ``plans`` together: one scale-up starts every new container beside the
        old ones, they become healthy side by side, and only when all serve (and the proxy had ``settle``
        seconds to learn them) are the old ones drained. If one does not become healthy, every new container
        is removed and every service keeps its old containers: nothing is half cut over."""
        p = self.module.params
        started = time.monotonic()
        names = [pl["service"] for pl in plans]
        wants = {s: max(1, replicas(services[s])) for s in names}
        containers = self.containers()
        before, stopped = {}, []
        for s in names:
            mine = service_containers(containers, s)
            # Stopped leftovers would count towards the scale; they serve nothing.
            stopped += [c["Id"] for c in mine if not (c.get("State") or {}).get("Running")]
            before[s] = [c["Id"] for c in mine if (c.get("State") or {}).get("Running")]
        if stopped:
            self.run(["docker", "rm", *stopped], "Removing stopped containers")
        # The same selection as the up that follows, so the new containers have the hash that up compares
        # with; --no-recreate leaves the other services' containers as they are.
        self.run(
            [
                *self.compose,
                "up",
                "--detach",
                "--no-deps",
                "--no-recreate",
                "--pull",
                "never",
                *scale_arguments({s: len(before[s]) + wants[s] for s in names}),
                *self.selection,
            ],
            f"Starting new {', '.join(names)} containers beside the old ones",
        )
        after = self.containers()
        fresh = {s: [c["Id"] for c in new_containers(before[s], service_containers(after, s))] for s in names}
        every = [i for s in names for i in fresh[s]]
        wrong = [f"{s} {len(fresh[s])} (expected {wants[s]})" for s in names if len(fresh[s]) != wants[s]]
        if wrong:
            if every:
                self.module.run_command(["docker", "rm", "--force", *every])
            self.fail(f"New containers after the scale-up: {', '.join(wrong)}; the old ones keep serving.")
        deadline = time.monotonic() + p["health_timeout"]
        serving_at = {}
        while True:
            inspected = {
                c["Id"]: c for c in json.loads(self.run(["docker", "inspect", *every], "Inspecting the new containers"))
            }
            serving, failed = cutover_progress(fresh, inspected)
            for s in serving:
                serving_at.setdefault(s, round(time.monotonic() - started, 1))
            if not failed and len(serving) == len(names):
                break
            if not failed and time.monotonic() > deadline:
                failed = [
                    (s, "timed out", last_health_output(inspected.get(fresh[s][0]) or {}))
                    for s in names
                    if s not in serving
                ]
            if failed:
                self.module.run_command(["docker", "rm", "--force", *every])
                service, verdict, last = failed[0]
                self.fail(
                    f"The new {service} container was {verdict} after up to {p['health_timeout']} s"
                    f" (health_timeout); the new containers ({', '.join(names)}) were removed and the old ones"
                    " keep serving." + (f" Its last health check said: {last}" if last else ""),
                    unhealthy=[f[0] for f in failed],
                )
            time.sleep(0.5)
        time.sleep(p["settle"])
        self.drain([i for s in names for i in before[s]])
        total = round(time.monotonic() - started, 1)
        return [
            dict(
                pl,
                new=fresh[pl["service"]],
                old=before[pl["service"]],
                healthy_after=serving_at[pl["service"]],
                seconds=total,
            )
            for pl in plans
        ]

    def cut_over(self, plans, services):
        """All together, or (parallel=false) one service after another."""
        if self.module.params["parallel"]:
            return self.cutover(plans, services)
        for pl in plans:
            # Kept for the failure's results: the services cut over before a failed one stay replaced.
            self.completed += self.cutover([pl], services)
        return self.completed

    def tidy(self, services):
        containers = self.containers()
        plans = [
            plan_tidy(s, service_containers(containers, s), replicas(services[s]))
            for s in self.module.params["services"]
        ]
        for plan in plans:
            if plan["action"] == TIDY and not self.module.check_mode:
                self.drain(plan["old"])
            self.results.append(plan)
        changed = any(pl["action"] == TIDY for pl in plans)
        self.module.exit_json(changed=changed, results=self.results, restarts=[], summary=summary(self.results))

    def replace(self, services):
        p = self.module.params
        containers = self.containers()
        plans = [
            plan_replace(s, service_containers(containers, s), fixed_host_ports(services[s]), p["reason"])
            for s in p["services"]
        ]
        rolled = [pl for pl in plans if pl["action"] == CUTOVER]
        done = {}
        if rolled and not self.module.check_mode:
            done = {r["service"]: r for r in self.cut_over(rolled, services)}
        for plan in plans:
            if self.module.check_mode or plan["action"] not in (CUTOVER, RESTART):
                self.results.append(plan)
            elif plan["action"] == CUTOVER:
                self.results.append(done[plan["service"]])
            else:
                started = time.monotonic()
                self.run([*self.compose, "restart", "--no-deps", plan["service"]], f"Restarting {plan['service']}")
                self.results.append(dict(plan, seconds=round(time.monotonic() - started, 1)))
        self.module.exit_json(
            changed=any(pl["action"] != UNCHANGED for pl in plans),
            results=self.results,
            restarts=[pl["service"] for pl in plans if pl["action"] == RESTART],
            summary=summary(self.results),
        )

    def main(self):
        p = self.module.params
        config = json.loads(
            self.run([*self.compose, "config", "--format", "json"], "Reading the project's configuration")
        )
        services = config.get("services") or {}
        unknown = [s for s in p["services"] + self.selection if s not in services]
        if unknown:
            self.fail(
                f"services/selection: {', '.join(unknown)} not in the project (it has {', '.join(sorted(services))})."
            )
        if p["step"] == TIDY:
            self.tidy(services)
        if p["step"] == REPLACE:
            self.replace(services)
        containers = self.containers()
        plans = []
        for s in p["services"]:
            mine = service_containers(containers, s)
            want = self.image_id(services[s].get("image"))
            running_images = {c.get("Image") for c in mine if (c.get("State") or {}).get("Running")}
            image_changed = None if want is None or not running_images else running_images != {want}
            plans.append(plan_service(s, mine, p["recreate"], fixed_host_ports(services[s]), image_changed))
        rolled = [pl["service"] for pl in plans if pl["action"] == CUTOVER]
        dependencies = {name: depends_on(cfg) for name, cfg in services.items()}
        restarted = restarts(plans, services_of(containers, p["recreate"]), rolled, dependencies)
        warning = restart_warning(restarted, p["warn_restart"])
        if warning:
            self.module.warn(warning)
        done = {}
        if rolled and not self.module.check_mode:
            done = {r["service"]: r for r in self.cut_over([pl for pl in plans if pl["action"] == CUTOVER], services)}
        self.results.extend(done.get(pl["service"], pl) for pl in plans)
        lines = summary(self.results)
        planned = {pl["service"] for pl in plans}
        lines += [f"{s}: in place (not cut over), restarted by Compose" for s in restarted if s not in planned]
        self.module.exit_json(changed=bool(rolled), results=self.results, restarts=restarted, summary=lines)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            project_src=dict(type="path", required=True),
            project_name=dict(type="str", required=True),
            files=dict(type="list", elements="str", required=True),
            services=dict(type="list", elements="str", required=True),
            selection=dict(type="list", elements="str", default=[]),
            recreate=dict(type="list", elements="str", default=[]),
            warn_restart=dict(type="list", elements="str", default=[]),
            step=dict(type="str", choices=["cutover", "tidy", "replace"], default="cutover"),
            reason=dict(type="str", default="requested"),
            health_timeout=dict(type="int", default=180),
            settle=dict(type="float", default=3),
            parallel=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    Rollout(module).main()


if __name__ == "__main__":
    main()

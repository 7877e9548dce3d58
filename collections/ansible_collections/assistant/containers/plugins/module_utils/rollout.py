# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zero-downtime updates of Compose services on one host: start the new container beside the old one, wait
until it is healthy and the proxy knows it, then stop the old one gracefully (it finishes what it is doing).

This is the plan and the verdicts, as plain functions; the compose_rollout module runs them against Compose
and the engine. Compose itself would recreate a changed service in place (stop, then start), which fails the
requests that arrive in between.
"""

from __future__ import annotations

CONFIG_HASH_LABEL = "com.docker.compose.config-hash"
ONEOFF_LABEL = "com.docker.compose.oneoff"
NUMBER_LABEL = "com.docker.compose.container-number"

UNCHANGED = "unchanged"
CREATE = "create"
CUTOVER = "cutover"
IN_PLACE = "in_place"


def parse_hashes(stdout):
    """``docker compose config --hash SERVICE...`` output (``service hash`` per line) as service -> hash."""
    hashes = {}
    for line in stdout.splitlines():
        fields = line.split()
        if len(fields) == 2:
            hashes[fields[0]] = fields[1]
    return hashes


def fixed_host_ports(service_config):
    """Host ports a service publishes at a fixed number (from ``docker compose config --format json``).

    Two containers cannot bind the same host port, so such a service cannot run old and new side by side.
    """
    ports = []
    for p in service_config.get("ports") or []:
        published = str(p.get("published") or "")
        if published and published != "0":
            ports.append(f"{p.get('host_ip') or '*'}:{published}")
    return ports


def service_containers(containers, service):
    """The service's long-running containers (``docker inspect`` dicts), one-off ones (compose run) left out."""
    out = []
    for c in containers:
        labels = (c.get("Config") or {}).get("Labels") or {}
        if labels.get("com.docker.compose.service") == service and labels.get(ONEOFF_LABEL, "False") != "True":
            out.append(c)
    return out


def is_current(container, want_hash, want_image_id):
    """The container runs the wanted configuration (Compose's config hash) and image."""
    labels = (container.get("Config") or {}).get("Labels") or {}
    return labels.get(CONFIG_HASH_LABEL) == want_hash and container.get("Image") == want_image_id


def plan_service(service, containers, want_hash, want_image_id, fixed_ports):
    """What updating one service takes: its action, why, and the containers that go.

    - create: nothing runs yet (Compose starts it; there is nothing to keep serving);
    - unchanged: exactly one running container, current;
    - cutover: start the new container beside the old, then drain the old;
    - in_place: it publishes fixed host ports, so Compose recreates it (stop, then start).
    """
    running = [c for c in containers if (c.get("State") or {}).get("Running")]
    current = [c for c in running if is_current(c, want_hash, want_image_id)]
    old = [c["Id"] for c in containers if c not in current]
    if not running:
        return {"service": service, "action": CREATE, "reason": "no container runs yet", "old": old}
    if len(current) == 1 and not old:
        return {"service": service, "action": UNCHANGED, "reason": "runs the wanted configuration", "old": []}
    if current:
        # A cut-over that was interrupted: the new container runs, the old ones only have to go.
        keep = max(current, key=lambda c: (c.get("State") or {}).get("StartedAt", ""))
        return {
            "service": service,
            "action": CUTOVER,
            "reason": "an earlier cut-over left old containers",
            "old": [c["Id"] for c in containers if c is not keep],
            "keep": keep["Id"],
        }
    if fixed_ports:
        return {
            "service": service,
            "action": IN_PLACE,
            "reason": "publishes fixed host ports ({}), which two containers cannot share".format(
                ", ".join(fixed_ports)
            ),
            "old": old,
        }
    why = []
    labels_hash = {((c.get("Config") or {}).get("Labels") or {}).get(CONFIG_HASH_LABEL) for c in running}
    if labels_hash != {want_hash}:
        why.append("configuration changed")
    if {c.get("Image") for c in running} != {want_image_id}:
        why.append("image changed")
    return {"service": service, "action": CUTOVER, "reason": " and ".join(why) or "changed", "old": old}


def health(container):
    """A container's verdict: healthy, starting, unhealthy (Docker's health), running (no health check), or exited."""
    state = container.get("State") or {}
    if not state.get("Running"):
        return "exited"
    h = state.get("Health")
    if not h:
        return "running"
    return h.get("Status") or "starting"


def new_containers(before_ids, containers):
    """The containers of ``containers`` that were not there before (the ones a scale-up started)."""
    before = set(before_ids)
    return [c for c in containers if c["Id"] not in before]


def summary(results):
    """One line per service: what was done, for the deploy summary."""
    lines = []
    for r in results:
        line = "{}: {}".format(r["service"], r["action"].replace("_", " "))
        if r.get("reason"):
            line += " ({})".format(r["reason"])
        if r.get("seconds") is not None:
            line += ", {:.1f} s".format(r["seconds"])
        lines.append(line)
    return lines

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a deploy must know about its host before it changes anything, gathered in one module call.

The deploy role asked for it in four tasks (engine info, df, the project's containers, a port
probe per published port), each a module round trip; kept free of AnsibleModule for unit tests.
"""

from __future__ import annotations

import os
import socket

ONEOFF_LABEL = "com.docker.compose.oneoff"
SERVICE_LABEL = "com.docker.compose.service"


def free_mb(path, statvfs=os.statvfs):
    """Megabytes available to unprivileged writers under path (what `df --output=avail -m` prints)."""
    st = statvfs(path)
    return (st.f_bavail * st.f_frsize) // (1024 * 1024)


def published_ports(containers):
    """Host ports the listed containers (Docker's /containers/json entries) publish."""
    return sorted({p["PublicPort"] for c in containers for p in (c.get("Ports") or []) if p.get("PublicPort")})


def one_off(containers):
    """The `docker compose run` containers among the listed ones (a stopped job can leave them)."""
    return [
        {"id": c["Id"], "name": ((c.get("Names") or ["/?"])[0]).lstrip("/"), "state": c.get("State") or "unknown"}
        for c in containers
        if (c.get("Labels") or {}).get(ONEOFF_LABEL) == "True"
    ]


def running_services(containers):
    """Services with a running container (one-off `docker compose run` containers do not count)."""
    return sorted(
        {
            (c.get("Labels") or {}).get(SERVICE_LABEL)
            for c in containers
            if c.get("State") == "running" and (c.get("Labels") or {}).get(ONEOFF_LABEL) != "True"
        }
        - {None}
    )


def service_containers(containers):
    """The project's service containers (not one-offs) as ``{service, id, state}``, sorted: what a deploy compares
    before and after to know which services it changed."""
    rows = []
    for c in containers:
        labels = c.get("Labels") or {}
        if labels.get(ONEOFF_LABEL) == "True" or not labels.get(SERVICE_LABEL):
            continue
        rows.append({"service": labels[SERVICE_LABEL], "id": c.get("Id") or "", "state": c.get("State") or "unknown"})
    return sorted(rows, key=lambda r: (r["service"], r["id"]))


def crowded_services(rows):
    """Services with more than one container (rows of ``service_containers``): only those can hold what an
    interrupted cut-over left (compose_rollout's tidy), so a deploy that finds none skips the tidy."""
    counts = {}
    for row in rows:
        counts[row["service"]] = counts.get(row["service"], 0) + 1
    return sorted(s for s, n in counts.items() if n > 1)


def port_in_use(host, port, timeout=1.0, connect=socket.create_connection):
    """Whether something accepts connections on host:port (a refused or timed-out connect means free)."""
    try:
        with connect((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def busy_ports(ports, own, probe=port_in_use):
    """The wanted ports (dicts with host and port) held by something other than the project's own containers."""
    return [p for p in ports if p["port"] not in own and probe(p["host"], p["port"])]

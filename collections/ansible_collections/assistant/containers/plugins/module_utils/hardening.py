# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic: what a running container's hardening really is, from docker inspect and the kernel.

The compose file asks for hardening; what a container got is in its inspect document (HostConfig)
and, for no-new-privileges, in the kernel: ``NoNewPrivs`` in ``/proc/<pid>/status`` of its PID 1.
That field is the truth whichever way the flag was set (a compose file's security_opt, which
``docker stack deploy`` drops, or the engine's ``no-new-privileges`` in daemon.json, which
HostConfig.SecurityOpt does not show). Nothing here talks to Docker or reads a file.
"""

from __future__ import annotations

# The log drivers whose files Docker itself rotates.
ROTATING_LOG_DRIVERS = ("json-file", "local")
ROOT_USERS = ("", "0", "root")


class HardeningError(ValueError):
    """The input is not what the function reads; the message says what was found."""


def proc_status_field(text, field):
    """The value of one ``Key:\\tvalue`` line of /proc/<pid>/status, or None when it is absent."""
    for line in (text or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and key == field:
            return value.strip()
    return None


def _service(labels):
    return labels.get("com.docker.swarm.service.name") or labels.get("com.docker.compose.service") or ""


def container_hardening(inspect, proc_status):
    """One container's hardening as it runs: a flat report and its problems (empty when hardened)."""
    if not isinstance(inspect, dict) or "HostConfig" not in inspect:
        raise HardeningError(
            f"expected a docker inspect document of a container (with HostConfig), got {inspect!r:.120}"
        )
    host = inspect.get("HostConfig") or {}
    config = inspect.get("Config") or {}
    state = inspect.get("State") or {}
    log = host.get("LogConfig") or {}
    log_options = log.get("Config") or {}
    nnp = proc_status_field(proc_status, "NoNewPrivs")
    report = {
        "name": (inspect.get("Name") or "").lstrip("/"),
        "service": _service(config.get("Labels") or {}),
        "pid": state.get("Pid") or 0,
        "no_new_privileges": None if nnp is None else nnp == "1",
        "security_opt": list(host.get("SecurityOpt") or []),
        "readonly_rootfs": bool(host.get("ReadonlyRootfs")),
        "privileged": bool(host.get("Privileged")),
        "cap_drop": list(host.get("CapDrop") or []),
        "cap_add": list(host.get("CapAdd") or []),
        "user": config.get("User") or "",
        "memory": host.get("Memory") or 0,
        "pids_limit": host.get("PidsLimit") or 0,
        "log_driver": log.get("Type") or "",
        "log_max_size": log_options.get("max-size", ""),
        "log_max_file": log_options.get("max-file", ""),
    }
    report["problems"] = hardening_problems(report)
    return report


def hardening_problems(report):
    """What a container report lacks, one sentence each."""
    problems = []
    if report["no_new_privileges"] is None:
        problems.append("NoNewPrivs of its PID 1 could not be read (no /proc/<pid>/status): is it running?")
    elif not report["no_new_privileges"]:
        problems.append(
            "NoNewPrivs of its PID 1 is 0: set docker_engine_no_new_privileges: true (Swarm drops security_opt)"
            " or security_opt no-new-privileges:true (Compose)"
        )
    if not report["readonly_rootfs"]:
        problems.append("its root file system is writable (HostConfig.ReadonlyRootfs false; wanted read_only: true)")
    if report["privileged"]:
        problems.append("it is privileged")
    if "ALL" not in [c.upper() for c in report["cap_drop"]]:
        problems.append(f"it does not drop every capability (CapDrop {report['cap_drop']}; wanted cap_drop: [ALL])")
    if report["cap_add"]:
        problems.append(f"it adds capabilities {report['cap_add']}")
    if report["user"].split(":")[0] in ROOT_USERS:
        problems.append(f"it runs as root (Config.User {report['user']!r})")
    if report["memory"] <= 0:
        problems.append("it has no memory limit (HostConfig.Memory 0)")
    if report["pids_limit"] <= 0:
        problems.append(f"it has no PID limit (HostConfig.PidsLimit {report['pids_limit']})")
    if report["log_driver"] not in ROTATING_LOG_DRIVERS:
        rotating = ", ".join(ROTATING_LOG_DRIVERS)
        problems.append(f"its log driver {report['log_driver']!r} is not one Docker rotates ({rotating})")
    elif report["log_driver"] == "json-file" and not (report["log_max_size"] and report["log_max_file"]):
        size, count = report["log_max_size"], report["log_max_file"]
        problems.append(f"its json-file logs are not rotated (max-size {size!r}, max-file {count!r})")
    return problems


def containers_hardening(inspects, proc_statuses):
    """Reports of several containers: inspects and the /proc status texts of their PID 1, in the same order."""
    inspects, proc_statuses = list(inspects or []), list(proc_statuses or [])
    if len(inspects) != len(proc_statuses):
        raise HardeningError(
            f"expected one /proc status text per container, got {len(proc_statuses)} for {len(inspects)} containers"
        )
    return [container_hardening(inspects[i], proc_statuses[i]) for i in range(len(inspects))]

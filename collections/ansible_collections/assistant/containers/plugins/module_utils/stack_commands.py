# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of the operator commands (logs, exec, ps): which host and container, which docker command.

Input is what the inventory's hosts reported: for each host its name, how Ansible reaches it,
the stack's containers on it (community.docker.docker_host_info, verbose) and, on the first
Swarm manager, the stack's services (community.docker.docker_swarm_info). Output is a plan:
the docker command lines to run on the controller, each with the environment that points the
docker CLI at the right engine (DOCKER_HOST=ssh://... for a remote host), in two forms: one
for a terminal (with -t) and one for a pipe. Nothing here talks to Docker.
"""

from __future__ import annotations

import shlex

ACTIONS = ("logs", "exec", "ps")
BACKENDS = ("compose", "swarm")
COMPOSE_PROJECT_LABEL = "com.docker.compose.project"
COMPOSE_SERVICE_LABEL = "com.docker.compose.service"
STACK_NAMESPACE_LABEL = "com.docker.stack.namespace"
SWARM_SERVICE_LABEL = "com.docker.swarm.service.name"
# Connections that reach a host over SSH: the docker CLI can do the same (DOCKER_HOST=ssh://).
SSH_CONNECTIONS = ("ssh", "paramiko", "paramiko_ssh", "smart", "ansible.builtin.ssh", "ansible.builtin.paramiko_ssh")
LOCAL_CONNECTIONS = ("local", "ansible.builtin.local")
# A host that is itself a container (Docker-in-Docker nodes, Molecule): its engine is reached
# through the outer engine, with `docker exec <node> docker ...`.
DOCKER_CONNECTIONS = ("docker", "community.docker.docker", "community.docker.docker_api")


# What docker service logs says when a node's logs cannot be read (the other tasks' logs were printed),
# and what the runner (scripts/stack-command.py) tells the user then.
SWARM_PARTIAL_LOGS = {
    "stderr": "incomplete log stream",
    "note": "the logs of tasks on a node that is down or has left the swarm could not be read (see the error "
    "above); every other task's logs were printed. `docker node ls` shows the nodes.",
}


class StackCommandError(ValueError):
    """The command cannot be planned; the message says what was asked, found and what to do."""


def container_record(item, backend, project):
    """A container of docker_host_info (verbose) reduced to what the plan needs; None if not the stack's."""
    labels = item.get("Labels") or {}
    names = item.get("Names") or []
    name = (names[0] if names else "").lstrip("/")
    if backend == "compose":
        if labels.get(COMPOSE_PROJECT_LABEL) != project:
            return None
        service = labels.get(COMPOSE_SERVICE_LABEL) or ""
    else:
        if labels.get(STACK_NAMESPACE_LABEL) != project:
            return None
        full = labels.get(SWARM_SERVICE_LABEL) or ""
        service = full[len(project) + 1 :] if full.startswith(project + "_") else full
    return {
        "id": (item.get("Id") or "")[:12],
        "name": name,
        "service": service,
        "state": item.get("State") or "",
    }


def reach(host):
    """How the controller's docker CLI reaches a host's engine: (environment, argv prefix).

    host: name, connection (ansible_connection), address (ansible_host), user, port.
    """
    connection = (host.get("connection") or "ssh").strip()
    address = host.get("address") or host.get("name")
    if connection in LOCAL_CONNECTIONS:
        return {}, []
    if connection in SSH_CONNECTIONS:
        user = host.get("user") or ""
        port = str(host.get("port") or "").strip()
        url = "ssh://" + (user + "@" if user else "") + address + (":" + port if port and port != "22" else "")
        return {"DOCKER_HOST": url}, []
    if connection in DOCKER_CONNECTIONS:
        return {}, ["docker", "exec", "-i", address]
    raise StackCommandError(
        "host {} is reached with ansible_connection={}; the docker CLI on this machine can reach "
        "only local hosts, hosts over SSH (DOCKER_HOST=ssh://) and Docker-in-Docker nodes "
        "(docker exec). Run the printed command on the host itself instead.".format(host.get("name"), connection)
    )


def _tty(prefix):
    """The prefix with a terminal for a docker-connection host (docker exec -i -> -it)."""
    return ["docker", "exec", "-it", *prefix[3:]] if prefix else []


def _display(env, argv):
    return " ".join([f"{k}={shlex.quote(v)}" for k, v in sorted(env.items())] + [shlex.quote(a) for a in argv])


def _command(host, argv, argv_tty=None):
    env, prefix = reach(host)
    argv_tty = argv if argv_tty is None else argv_tty
    result = {
        "host": host.get("name"),
        "env": env,
        "argv": prefix + argv,
        "argv_tty": _tty(prefix) + argv_tty,
        "display": _display(env, _tty(prefix) + argv_tty),
    }
    if "DOCKER_HOST" in env:
        # The same on the host itself, for a user whose docker needs sudo there.
        target = env["DOCKER_HOST"][len("ssh://") :]
        address, _sep, port = target.rpartition(":") if target.count(":") == 1 else (target, "", "")
        # ssh hands its command to the remote shell: one quoted word here, parsed there.
        remote = " ".join(shlex.quote(a) for a in ["sudo", *argv_tty])
        result["display_ssh"] = " ".join(
            ["ssh", "-t"] + (["-p", port] if port else []) + [shlex.quote(address), shlex.quote(remote)]
        )
    return result


def _tail_args(tail):
    tail = "all" if tail in (None, "") else str(tail).strip()
    if tail != "all" and not tail.isdigit():
        raise StackCommandError(f"stack_command_tail (TAIL) is {tail!r}; expected a number of lines or 'all'.")
    return ["--tail", tail]


def _hosts_with(hosts, backend, project):
    """[(host, [container records])] in inventory order, containers sorted by name."""
    found = []
    for host in hosts:
        records = [container_record(c, backend, project) for c in host.get("containers") or []]
        records = sorted((r for r in records if r), key=lambda r: r["name"])
        found.append((host, records))
    return found


def _running_services(found):
    return sorted({r["service"] for _h, records in found for r in records if r["state"] == "running"})


def _manager(hosts):
    managers = [h for h in hosts if h.get("manager")]
    if not managers:
        raise StackCommandError(
            "no Swarm manager among the hosts that answered ({}); the swarm backend reads the "
            "stack's services and logs on the first host of the swarm_managers group.".format(
                ", ".join(h.get("name") or "?" for h in hosts)
            )
        )
    return managers[0]


def plan(action, backend, project, hosts, service="", command=None, follow=False, tail="all"):
    """The docker commands of one operator action. Returns {commands, parallel, summary}.

    action: logs, exec or ps. backend: compose or swarm. project: the Compose project or the
    Swarm stack. hosts: [{name, connection, address, user, port, manager, containers, services}].
    service: a service name ("" = all; exec needs one). command: exec's argv (list) or a
    shell-like string. follow, tail: logs options.
    """
    if action not in ACTIONS:
        raise StackCommandError("action is {!r}; expected one of {}.".format(action, ", ".join(ACTIONS)))
    if backend not in BACKENDS:
        raise StackCommandError(f"deploy_backend is {backend!r}; expected compose or swarm.")
    if not project:
        raise StackCommandError("the project (compose_project_name or deploy_swarm_stack_name) is empty.")
    if not hosts:
        raise StackCommandError("no host of the inventory answered; nothing to run the command on.")
    found = _hosts_with(hosts, backend, project)

    if action == "exec":
        return _plan_exec(backend, project, found, service, command)
    if action == "ps":
        if backend == "compose":
            return _single(
                _compose_host(found, project),
                ["docker", "compose", "--ansi", "never", "-p", project, "ps", "--all"],
                f"containers of project {project}",
            )
        return _single(
            _manager(hosts),
            ["docker", "stack", "ps", "--no-trunc", project],
            f"tasks of stack {project} and their nodes",
        )
    return _plan_logs(backend, project, hosts, found, service, follow, tail)


def _single(host, argv, summary):
    return {"commands": [_command(host, argv)], "parallel": False, "summary": summary}


def _compose_host(found, project):
    """The host running the Compose project: the first with any of its containers."""
    for host, records in found:
        if records:
            return host
    raise StackCommandError(
        "no container of Compose project {} on {}. Is it deployed (make deploy), and is "
        "compose_project_name right for this inventory?".format(
            project, ", ".join(h.get("name") or "?" for h, _r in found)
        )
    )


def _plan_logs(backend, project, hosts, found, service, follow, tail):
    options = (["--follow"] if follow else []) + _tail_args(tail)
    if backend == "compose":
        host = _compose_host(found, project)
        known = sorted({r["service"] for h, records in found if h is host for r in records})
        if service and service not in known:
            raise StackCommandError(
                "service {!r} has no container in project {} on {}; it has: {}.".format(
                    service, project, host.get("name"), ", ".join(known) or "none"
                )
            )
        argv = (
            ["docker", "compose", "--ansi", "never", "-p", project, "logs", "--no-color"]
            + options
            + ([service] if service else [])
        )
        return {
            "commands": [_command(host, argv)],
            "parallel": False,
            "summary": "logs of {} in project {} on {}".format(service or "every service", project, host.get("name")),
        }
    manager = _manager(hosts)
    names = sorted(s.get("Name") or "" for s in manager.get("services") or [])
    names = [n for n in names if n.startswith(project + "_")]
    short = [n[len(project) + 1 :] for n in names]
    if service:
        if service not in short:
            raise StackCommandError(
                "stack {} has no service {!r}; it has: {}.".format(project, service, ", ".join(short) or "none")
            )
        names = [project + "_" + service]
    if not names:
        raise StackCommandError(
            "stack {} has no service on manager {}. Is it deployed (make deploy), and is "
            "deploy_swarm_stack_name (or compose_project_name) right?".format(project, manager.get("name"))
        )
    # docker service logs takes one service: one command each, all at once when following. It exits 1
    # when a node that ran one of the service's tasks is down or has left the swarm, after printing every
    # log it could read: the runner says so and does not count it as a failure.
    commands = [
        dict(
            _command(manager, ["docker", "service", "logs", "--timestamps", *options, n]),
            partial=SWARM_PARTIAL_LOGS,
        )
        for n in names
    ]
    return {
        "commands": commands,
        "parallel": bool(follow) and len(commands) > 1,
        "summary": "logs of {} in stack {}, from manager {}".format(
            service or "every service", project, manager.get("name")
        ),
    }


def command_argv(command):
    """exec's command as argv: a list as it is, a string split like a shell would (no shell runs)."""
    if command in (None, "", []):
        return ["sh"]
    if isinstance(command, (list, tuple)):
        return [str(c) for c in command]
    try:
        argv = shlex.split(str(command))
    except ValueError as exc:
        raise StackCommandError(
            f"the command {command!r} (CMD, stack_command_exec) cannot be split into words ({exc}); check its quotes."
        ) from exc
    return argv or ["sh"]


def _plan_exec(backend, project, found, service, command):
    if not service:
        raise StackCommandError("exec needs a service (SERVICE=api, or stack_command_service=api).")
    argv = command_argv(command)
    for host, records in found:
        for record in records:
            if record["service"] == service and record["state"] == "running":
                base = ["docker", "exec"]
                result = _command(host, [*base, "-i", record["id"], *argv], [*base, "-i", "-t", record["id"], *argv])
                result["container"] = record["name"]
                kind = "task" if backend == "swarm" else "container"
                return {
                    "commands": [result],
                    "parallel": False,
                    "summary": "{} {} of {} on {}".format(kind, record["name"], service, host.get("name")),
                }
    raise StackCommandError(
        "no running container of service {!r} in {} {} on {}; running services: {}.".format(
            service,
            "stack" if backend == "swarm" else "project",
            project,
            ", ".join(h.get("name") or "?" for h, _r in found),
            ", ".join(_running_services(found)) or "none",
        )
    )

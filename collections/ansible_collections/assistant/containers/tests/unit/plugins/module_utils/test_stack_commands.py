# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shlex

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.stack_commands import (
    StackCommandError,
    command_argv,
    container_record,
    plan,
    reach,
)


def compose_container(service, name=None, state="running", project="assistant-dev", cid="a" * 64):
    # docker_host_info, verbose_output: the Engine API's /containers/json items.
    return {
        "Id": cid,
        "Names": ["/" + (name or f"{project}-{service}-1")],
        "State": state,
        "Status": "Up 3 minutes (healthy)",
        "Labels": {"com.docker.compose.project": project, "com.docker.compose.service": service},
    }


def swarm_container(service, slot, state="running", stack="assistant-prod", cid="b" * 64):
    return {
        "Id": cid,
        "Names": [f"/{stack}_{service}.{slot}.x1y2z3"],
        "State": state,
        "Labels": {
            "com.docker.stack.namespace": stack,
            "com.docker.swarm.service.name": f"{stack}_{service}",
            "com.docker.swarm.task.id": "x1y2z3",
        },
    }


LOCAL = {"name": "localhost", "connection": "local", "address": "localhost"}


def swarm_hosts():
    # docker_swarm_info services (non-verbose) on the manager only.
    services = [{"ID": f"s{i}", "Name": "assistant-prod_" + n} for i, n in enumerate(["api", "worker", "postgres"])]
    return [
        {
            "name": "prod-1",
            "connection": "ssh",
            "address": "10.0.0.1",
            "user": "ops",
            "port": 22,
            "manager": True,
            "containers": [swarm_container("postgres", 1, cid="p" * 64)],
            "services": services,
        },
        {
            "name": "prod-2",
            "connection": "ssh",
            "address": "10.0.0.2",
            "user": "",
            "port": 2222,
            "manager": False,
            "containers": [
                swarm_container("api", 2, state="exited", cid="d" * 64),
                swarm_container("api", 1, cid="c" * 64),
            ],
            "services": [],
        },
    ]


@pytest.mark.parametrize(
    "host, env, prefix",
    [
        (LOCAL, {}, []),
        (
            {"name": "s1", "connection": "ssh", "address": "stage-1.example", "user": "deploy"},
            {"DOCKER_HOST": "ssh://deploy@stage-1.example"},
            [],
        ),
        ({"name": "s1", "address": "stage-1.example", "port": 2222}, {"DOCKER_HOST": "ssh://stage-1.example:2222"}, []),
        (
            {"name": "s1", "connection": "ssh", "address": "10.0.0.5", "port": "22"},
            {"DOCKER_HOST": "ssh://10.0.0.5"},
            [],
        ),
        (
            {"name": "node-1", "connection": "community.docker.docker", "address": "molecule-node-1"},
            {},
            ["docker", "exec", "-i", "molecule-node-1"],
        ),
    ],
)
def test_reach(host, env, prefix):
    assert reach(host) == (env, prefix)


def test_reach_refuses_a_connection_the_docker_cli_cannot_follow():
    with pytest.raises(StackCommandError, match="ansible_connection=winrm"):
        reach({"name": "win", "connection": "winrm"})


@pytest.mark.parametrize(
    "item, backend, project, expected",
    [
        (
            compose_container("api"),
            "compose",
            "assistant-dev",
            {"id": "a" * 12, "name": "assistant-dev-api-1", "service": "api", "state": "running"},
        ),
        (compose_container("api", project="other"), "compose", "assistant-dev", None),
        (
            swarm_container("worker", 2),
            "swarm",
            "assistant-prod",
            {"id": "b" * 12, "name": "assistant-prod_worker.2.x1y2z3", "service": "worker", "state": "running"},
        ),
        (swarm_container("worker", 2, stack="x"), "swarm", "assistant-prod", None),
    ],
)
def test_container_record(item, backend, project, expected):
    assert container_record(item, backend, project) == expected


@pytest.mark.parametrize(
    "command, expected",
    [
        (None, ["sh"]),
        ("", ["sh"]),
        ("assistant healthcheck --path /ready", ["assistant", "healthcheck", "--path", "/ready"]),
        ('python -c "print(6 * 7)"', ["python", "-c", "print(6 * 7)"]),
        ("sh -c 'ps | head'", ["sh", "-c", "ps | head"]),
        (["psql", "-c", "select 1"], ["psql", "-c", "select 1"]),
    ],
)
def test_command_argv(command, expected):
    assert command_argv(command) == expected


def test_command_argv_unbalanced_quote():
    with pytest.raises(StackCommandError, match="cannot be split"):
        command_argv("echo 'oops")


def test_exec_compose_local():
    hosts = [dict(LOCAL, containers=[compose_container("worker", cid="f" * 64), compose_container("api")])]
    result = plan("exec", "compose", "assistant-dev", hosts, service="api", command="assistant healthcheck")
    (cmd,) = result["commands"]
    assert cmd["env"] == {}
    assert cmd["argv"] == ["docker", "exec", "-i", "a" * 12, "assistant", "healthcheck"]
    assert cmd["argv_tty"] == ["docker", "exec", "-i", "-t", "a" * 12, "assistant", "healthcheck"]
    assert cmd["container"] == "assistant-dev-api-1"
    assert "display_ssh" not in cmd


def test_exec_swarm_finds_the_running_task_on_its_node():
    result = plan("exec", "swarm", "assistant-prod", swarm_hosts(), service="api", command='python -c "print(1)"')
    (cmd,) = result["commands"]
    assert cmd["host"] == "prod-2"
    assert cmd["env"] == {"DOCKER_HOST": "ssh://10.0.0.2:2222"}
    assert cmd["argv"][:4] == ["docker", "exec", "-i", "c" * 12]
    assert cmd["display"] == "DOCKER_HOST=ssh://10.0.0.2:2222 docker exec -i -t cccccccccccc python -c 'print(1)'"
    # The ssh form hands one word to the remote shell, which splits it like the local one would.
    argv = shlex.split(cmd["display_ssh"])
    assert argv[:4] == ["ssh", "-t", "-p", "2222"]
    assert argv[4] == "10.0.0.2"
    assert shlex.split(argv[5]) == ["sudo", "docker", "exec", "-i", "-t", "c" * 12, "python", "-c", "print(1)"]
    assert "prod-2" in result["summary"] and "task" in result["summary"]


def test_exec_through_a_docker_in_docker_node():
    node = {
        "name": "molecule-swarm-worker-1",
        "connection": "community.docker.docker",
        "address": "molecule-swarm-worker-1",
        "containers": [swarm_container("api", 1)],
    }
    (cmd,) = plan("exec", "swarm", "assistant-prod", [node], service="api", command="id")["commands"]
    assert cmd["argv"] == ["docker", "exec", "-i", "molecule-swarm-worker-1", "docker", "exec", "-i", "b" * 12, "id"]
    assert cmd["argv_tty"][:4] == ["docker", "exec", "-it", "molecule-swarm-worker-1"]


@pytest.mark.parametrize(
    "hosts, service, message",
    [
        (
            [dict(LOCAL, containers=[compose_container("api", state="exited")])],
            "api",
            "no running container of service 'api' in project assistant-dev on localhost; running services: none",
        ),
        ([dict(LOCAL, containers=[compose_container("worker")])], "api", "running services: worker"),
        ([dict(LOCAL, containers=[])], "", "exec needs a service"),
    ],
)
def test_exec_says_what_is_missing(hosts, service, message):
    with pytest.raises(StackCommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan("exec", "compose", "assistant-dev", hosts, service=service)


@pytest.mark.parametrize(
    "service, follow, tail, argv",
    [
        (
            "",
            False,
            "all",
            ["docker", "compose", "--ansi", "never", "-p", "assistant-dev", "logs", "--no-color", "--tail", "all"],
        ),
        (
            "api",
            True,
            "100",
            [
                "docker",
                "compose",
                "--ansi",
                "never",
                "-p",
                "assistant-dev",
                "logs",
                "--no-color",
                "--follow",
                "--tail",
                "100",
                "api",
            ],
        ),
        (
            "api",
            False,
            5,
            ["docker", "compose", "--ansi", "never", "-p", "assistant-dev", "logs", "--no-color", "--tail", "5", "api"],
        ),
    ],
)
def test_logs_compose(service, follow, tail, argv):
    hosts = [dict(LOCAL, containers=[compose_container("api"), compose_container("migrate", state="exited")])]
    result = plan("logs", "compose", "assistant-dev", hosts, service=service, follow=follow, tail=tail)
    assert [c["argv"] for c in result["commands"]] == [argv]
    assert result["parallel"] is False


def test_logs_compose_of_a_job_that_has_exited():
    hosts = [dict(LOCAL, containers=[compose_container("migrate", state="exited")])]
    (cmd,) = plan("logs", "compose", "assistant-dev", hosts, service="migrate")["commands"]
    assert cmd["argv"][-1] == "migrate"


@pytest.mark.parametrize(
    "hosts, service, message",
    [
        ([dict(LOCAL, containers=[])], "", "no container of Compose project assistant-dev on localhost"),
        ([dict(LOCAL, containers=[compose_container("api")])], "apy", "service 'apy' has no container .* it has: api"),
    ],
)
def test_logs_compose_errors(hosts, service, message):
    with pytest.raises(StackCommandError, match=message):
        plan("logs", "compose", "assistant-dev", hosts, service=service)


def test_logs_swarm_every_service_from_the_manager():
    result = plan("logs", "swarm", "assistant-prod", swarm_hosts(), follow=True, tail="20")
    assert {c["host"] for c in result["commands"]} == {"prod-1"}
    assert [c["argv"][-1] for c in result["commands"]] == [
        "assistant-prod_api",
        "assistant-prod_postgres",
        "assistant-prod_worker",
    ]
    assert result["commands"][0]["argv"][:6] == ["docker", "service", "logs", "--timestamps", "--follow", "--tail"]
    assert result["commands"][0]["env"] == {"DOCKER_HOST": "ssh://ops@10.0.0.1"}
    assert result["parallel"] is True
    # A node that left the swarm makes docker service logs exit 1 after printing the rest.
    assert {c["partial"]["stderr"] for c in result["commands"]} == {"incomplete log stream"}


def test_logs_swarm_one_service_not_following():
    result = plan("logs", "swarm", "assistant-prod", swarm_hosts(), service="worker")
    assert [c["argv"] for c in result["commands"]] == [
        ["docker", "service", "logs", "--timestamps", "--tail", "all", "assistant-prod_worker"]
    ]
    assert result["parallel"] is False


@pytest.mark.parametrize(
    "hosts, service, message",
    [
        (swarm_hosts(), "nginx", "stack assistant-prod has no service 'nginx'; it has: api, postgres, worker"),
        ([dict(h, manager=False) for h in swarm_hosts()], "", "no Swarm manager among the hosts"),
        ([dict(swarm_hosts()[0], services=[])], "", "stack assistant-prod has no service on manager prod-1"),
    ],
)
def test_logs_swarm_errors(hosts, service, message):
    with pytest.raises(StackCommandError, match=message):
        plan("logs", "swarm", "assistant-prod", hosts, service=service)


def test_ps():
    compose = plan("ps", "compose", "assistant-dev", [dict(LOCAL, containers=[compose_container("api")])])
    assert compose["commands"][0]["argv"] == [
        "docker",
        "compose",
        "--ansi",
        "never",
        "-p",
        "assistant-dev",
        "ps",
        "--all",
    ]
    swarm = plan("ps", "swarm", "assistant-prod", swarm_hosts())
    assert swarm["commands"][0]["argv"] == ["docker", "stack", "ps", "--no-trunc", "assistant-prod"]
    assert swarm["commands"][0]["host"] == "prod-1"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"action": "restart"}, "action is 'restart'; expected one of logs, exec, ps"),
        ({"backend": "k8s"}, "deploy_backend is 'k8s'; expected compose or swarm"),
        ({"project": ""}, "the project .* is empty"),
        ({"hosts": []}, "no host of the inventory answered"),
        ({"tail": "ten"}, r"stack_command_tail \(TAIL\) is 'ten'; expected a number of lines or 'all'"),
    ],
)
def test_bad_input(kwargs, message):
    args = {
        "action": "logs",
        "backend": "compose",
        "project": "assistant-dev",
        "hosts": [dict(LOCAL, containers=[compose_container("api")])],
        "tail": "all",
    }
    args.update(kwargs)
    with pytest.raises(StackCommandError, match=message):
        plan(args["action"], args["backend"], args["project"], args["hosts"], tail=args["tail"])

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import copy

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.filter.container_hardening import container_hardening
from ansible_collections.assistant.containers.plugins.module_utils.hardening import (
    HardeningError,
    proc_status_field,
)
from ansible_collections.assistant.containers.plugins.module_utils.hardening import (
    container_hardening as one,
)

# A Swarm task container as docker inspect shows it (trimmed): no SecurityOpt, the engine set NoNewPrivs.
TASK = {
    "Name": "/assistant-prod_api.1.abc",
    "State": {"Pid": 4242},
    "Config": {"User": "10001:10001", "Labels": {"com.docker.swarm.service.name": "assistant-prod_api"}},
    "HostConfig": {
        "SecurityOpt": None,
        "ReadonlyRootfs": True,
        "Privileged": False,
        "CapDrop": ["ALL"],
        "CapAdd": None,
        "Memory": 402653184,
        "PidsLimit": 128,
        "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}},
    },
}
STATUS_NNP = "Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nNoNewPrivs:\t1\nSeccomp:\t2\n"
STATUS_NO_NNP = STATUS_NNP.replace("NoNewPrivs:\t1", "NoNewPrivs:\t0")


def _with(path, value):
    doc = copy.deepcopy(TASK)
    *parents, last = path.split(".")
    node = doc
    for p in parents:
        node = node[p]
    node[last] = value
    return doc


def test_hardened_task_has_no_problem():
    report = one(TASK, STATUS_NNP)
    assert report["problems"] == []
    assert report["no_new_privileges"] is True
    assert report["name"] == "assistant-prod_api.1.abc"
    assert report["service"] == "assistant-prod_api"
    assert (report["memory"], report["pids_limit"], report["log_max_size"], report["log_max_file"]) == (
        402653184,
        128,
        "10m",
        "3",
    )


@pytest.mark.parametrize(
    ("doc", "status", "expected"),
    [
        (TASK, STATUS_NO_NNP, "NoNewPrivs of its PID 1 is 0"),
        (TASK, "Name:\tx\n", "could not be read"),
        (TASK, "", "could not be read"),
        (_with("HostConfig.ReadonlyRootfs", False), STATUS_NNP, "root file system is writable"),
        (_with("HostConfig.Privileged", True), STATUS_NNP, "privileged"),
        (_with("HostConfig.CapDrop", None), STATUS_NNP, "does not drop every capability"),
        (_with("HostConfig.CapDrop", ["NET_RAW"]), STATUS_NNP, "does not drop every capability"),
        (_with("HostConfig.CapAdd", ["NET_ADMIN"]), STATUS_NNP, "adds capabilities"),
        (_with("Config.User", ""), STATUS_NNP, "runs as root"),
        (_with("Config.User", "0:0"), STATUS_NNP, "runs as root"),
        (_with("Config.User", "root"), STATUS_NNP, "runs as root"),
        (_with("HostConfig.Memory", 0), STATUS_NNP, "no memory limit"),
        (_with("HostConfig.PidsLimit", None), STATUS_NNP, "no PID limit"),
        (_with("HostConfig.PidsLimit", -1), STATUS_NNP, "no PID limit"),
        (_with("HostConfig.LogConfig", {"Type": "json-file", "Config": {}}), STATUS_NNP, "not rotated"),
        (_with("HostConfig.LogConfig", {"Type": "json-file", "Config": {"max-size": "1m"}}), STATUS_NNP, "not rotated"),
        (_with("HostConfig.LogConfig", {"Type": "syslog", "Config": {}}), STATUS_NNP, "not one Docker rotates"),
    ],
)
def test_each_lack_is_a_problem(doc, status, expected):
    problems = one(doc, status)["problems"]
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_local_log_driver_rotates_by_itself():
    assert one(_with("HostConfig.LogConfig", {"Type": "local", "Config": {}}), STATUS_NNP)["problems"] == []


def test_lowercase_all_counts():
    assert one(_with("HostConfig.CapDrop", ["all"]), STATUS_NNP)["problems"] == []


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        (STATUS_NNP, "NoNewPrivs", "1"),
        (STATUS_NNP, "Seccomp", "2"),
        (STATUS_NNP, "Missing", None),
        ("NoNewPrivs:  1  \n", "NoNewPrivs", "1"),
        (None, "NoNewPrivs", None),
    ],
)
def test_proc_status_field(text, field, value):
    assert proc_status_field(text, field) == value


def test_filter_pairs_containers_with_status_texts():
    reports = container_hardening([TASK, _with("HostConfig.Memory", 0)], (s for s in [STATUS_NNP, STATUS_NO_NNP]))
    assert [len(r["problems"]) for r in reports] == [0, 2]


@pytest.mark.parametrize(
    ("inspects", "statuses", "message"),
    [
        ([TASK], [], "one /proc status text per container"),
        ([{"Name": "/x"}], [STATUS_NNP], "docker inspect document"),
        (["not a dict"], [STATUS_NNP], "docker inspect document"),
    ],
)
def test_filter_refuses_bad_input(inspects, statuses, message):
    with pytest.raises(AnsibleFilterError, match=message):
        container_hardening(inspects, statuses)


def test_error_type():
    with pytest.raises(HardeningError):
        one({}, STATUS_NNP)

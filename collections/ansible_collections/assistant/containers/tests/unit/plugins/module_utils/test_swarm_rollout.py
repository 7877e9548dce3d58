# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import hashlib

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.swarm_rollout import (
    SwarmPlanError,
    job_verdict,
    plan,
    rollout_verdict,
    secret_conflicts,
)

STACK = "assistant-prod"
APP2 = "registry:5000/assistant/app:2.0.0"
APP3 = "registry:5000/assistant/app:3.0.0-broken"


# ---- plan ------------------------------------------------------------------------------------------


SPEC = {
    "services": {
        "postgres": {"image": "postgres:16"},
        "redis": {"image": "redis:7"},
        "migrate": {
            "image": APP2,
            "deploy": {"mode": "replicated-job"},
            "depends_on": {"postgres": {"condition": "service_healthy"}},
        },
        "seed": {"image": "postgres:16", "deploy": {"mode": "replicated-job"}, "depends_on": ["migrate"]},
        "api": {"image": APP2, "depends_on": {"migrate": {}, "redis": {}}},
        "nginx": {"image": "nginx:1.27", "depends_on": ["api"]},
    },
    "secrets": {"db": {"external": True, "name": "assistant-prod_db_v1"}},
}


def test_plan_splits_jobs_from_long_running_services():
    result = plan(SPEC)
    assert result["jobs"] == ["migrate", "seed"]
    assert result["long_running"] == ["api", "nginx", "postgres", "redis"]
    assert result["want"] == {"api": APP2, "nginx": "nginx:1.27", "postgres": "postgres:16", "redis": "redis:7"}
    assert result["job_images"] == {"migrate": APP2, "seed": "postgres:16"}
    # The jobs step: the jobs and what they depend on, with depends_on kept inside the step (as a list).
    jobs_step = result["jobs_step"]["services"]
    assert sorted(jobs_step) == ["migrate", "postgres", "seed"]
    assert jobs_step["migrate"]["depends_on"] == ["postgres"]
    assert jobs_step["seed"]["depends_on"] == ["migrate"]
    assert "depends_on" not in jobs_step["postgres"]
    # The services step: no job, and no dependency on one.
    services_step = result["services_step"]["services"]
    assert sorted(services_step) == ["api", "nginx", "postgres", "redis"]
    assert services_step["api"]["depends_on"] == ["redis"]
    assert services_step["nginx"]["depends_on"] == ["api"]
    # Everything else in the stack file is kept, and the input is not changed.
    assert result["services_step"]["secrets"] == SPEC["secrets"]
    assert "depends_on" in SPEC["services"]["api"]


def test_plan_follows_dependencies_to_any_depth():
    spec = {
        "services": {
            "job": {"image": "j", "deploy": {"mode": "global-job"}, "depends_on": ["a"]},
            "a": {"image": "a", "depends_on": ["b"]},
            "b": {"image": "b", "depends_on": ["c"]},
            "c": {"image": "c", "depends_on": ["d"]},
            "d": {"image": "d"},
        }
    }
    assert sorted(plan(spec)["jobs_step"]["services"]) == ["a", "b", "c", "d", "job"]


def test_plan_without_jobs():
    result = plan({"services": {"web": {"image": "w"}}})
    assert (result["jobs"], result["jobs_step"]["services"]) == ([], {})


@pytest.mark.parametrize(
    "spec, message",
    [
        ({}, "no services mapping"),
        ({"services": []}, "no services mapping"),
        ({"services": {"j": {"deploy": {"mode": "replicated-job"}, "depends_on": ["ghost"]}}}, "'ghost'"),
    ],
)
def test_plan_refuses(spec, message):
    with pytest.raises(SwarmPlanError, match=message):
        plan(spec)


# ---- rollout -------------------------------------------------------------------------------------


def _service(name, image, update=None, message="", replicas=1, sid=None, mode="replicated"):
    service = {
        "ID": sid or name,
        "Spec": {
            "Name": f"{STACK}_{name}",
            "TaskTemplate": {"ContainerSpec": {"Image": image}},
            "Mode": {"Replicated": {"Replicas": replicas}} if mode == "replicated" else {"Global": {}},
        },
    }
    if update:
        service["UpdateStatus"] = {"State": update, "Message": message}
    return service


def _task(service, image, state="running"):
    return {"ServiceID": service, "Status": {"State": state}, "Spec": {"ContainerSpec": {"Image": image}}}


DIGEST = APP2 + "@sha256:" + "a" * 64


@pytest.mark.parametrize(
    "services, tasks, want, converged, failed, pending, why",
    [
        # Runs the release with every task: converged (the spec pins a digest the reference resolves to).
        ([_service("api", DIGEST)], [_task("api", DIGEST)], {"api": APP2}, ["api"], [], [], {}),
        # A restore wants the exact digest.
        ([_service("api", DIGEST)], [_task("api", DIGEST)], {"api": DIGEST}, ["api"], [], [], {}),
        # Not created yet.
        ([], [], {"api": APP2}, [], [], ["api"], {"api": "the service does not exist yet"}),
        # Swarm still updating or rolling back.
        ([_service("api", APP2, "updating")], [], {"api": APP2}, [], [], ["api"], {"api": "Swarm is still updating"}),
        (
            [_service("api", APP2, "rollback_started")],
            [],
            {"api": APP2},
            [],
            [],
            ["api"],
            {"api": "Swarm is still rolling back"},
        ),
        # Swarm rolled the service back by itself: it runs the old image.
        (
            [_service("api", APP2, "rollback_completed", "rollback completed")],
            [_task("api", APP2)],
            {"api": APP3},
            [],
            ["api"],
            [],
            {
                "api": "runs registry:5000/assistant/app:2.0.0 instead of registry:5000/assistant/app:3.0.0-broken "
                "(Swarm update status: rollback_completed; rollback completed)"
            },
        ),
        # Swarm paused the update (failure action pause): failed even on the new image.
        (
            [_service("api", APP3, "paused")],
            [_task("api", APP3)],
            {"api": APP3},
            [],
            ["api"],
            [],
            {"api": f"runs {APP3} instead of {APP3} (Swarm update status: paused)"},
        ),
        # Fewer tasks than replicas run the release, or old ones are still scheduled.
        (
            [_service("api", APP3, "completed", replicas=2)],
            [_task("api", APP3)],
            {"api": APP3},
            [],
            [],
            ["api"],
            {"api": "1 of 2 tasks run this release"},
        ),
        (
            [_service("api", APP3, "completed", replicas=1)],
            [_task("api", APP3), _task("api", APP2)],
            {"api": APP3},
            [],
            [],
            ["api"],
            {"api": "1 of 1 tasks run this release, 1 other(s) still scheduled"},
        ),
        (
            [_service("api", APP3, replicas=1)],
            [_task("api", APP3, "starting")],
            {"api": APP3},
            [],
            [],
            ["api"],
            {"api": "0 of 1 tasks run this release"},
        ),
        # A global service wants one task per node it runs on: all of them running.
        (
            [_service("agent", "a:1", mode="global")],
            [_task("agent", "a:1")] * 3,
            {"agent": "a:1"},
            ["agent"],
            [],
            [],
            {},
        ),
    ],
)
def test_rollout_verdict(services, tasks, want, converged, failed, pending, why):
    verdict = rollout_verdict({"services": services, "tasks": tasks}, STACK, want)
    assert (verdict["converged"], verdict["failed"], verdict["pending"]) == (converged, failed, pending)
    assert verdict["why"] == why
    assert verdict["not_converged"] == [f"{n}: {why[n]}" for n in failed + pending]


def test_rollout_verdict_matches_services_by_stack_and_tasks_by_service():
    state = {
        "services": [
            _service("api", APP2, sid="s1"),
            {"ID": "s9", "Spec": {"Name": "other-stack_api", "TaskTemplate": {"ContainerSpec": {"Image": APP3}}}},
        ],
        "tasks": [_task("s1", APP2), _task("s9", APP3), _task("s9", APP3)],
    }
    verdict = rollout_verdict(state, STACK, {"api": APP2, "web": "w"})
    assert verdict["converged"] == ["api"]
    assert verdict["images"] == {"api": APP2}  # what each existing service runs, for the release record
    assert rollout_verdict({}, STACK, {})["not_converged"] == []


# ---- jobs -----------------------------------------------------------------------------------------------


def _job(index=None, max_attempts=None):
    service = {"ID": "j", "Spec": {"Name": f"{STACK}_migrate", "TaskTemplate": {}}}
    if index is not None:
        service["JobStatus"] = {"JobIteration": {"Index": index}}
    if max_attempts is not None:
        service["Spec"]["TaskTemplate"]["RestartPolicy"] = {"MaxAttempts": max_attempts}
    return service


def _job_task(state, index=None, err=""):
    task = {"ServiceID": "j", "Status": {"State": state, "Err": err}}
    if index is not None:
        task["JobIteration"] = {"Index": index}
    return task


@pytest.mark.parametrize(
    "services, tasks, done, failed, pending, errors",
    [
        ([], [], [], [], ["migrate"], {}),
        ([_job(7)], [_job_task("complete", 7)], ["migrate"], [], [], {}),
        # A completed task of an earlier run does not count.
        ([_job(8)], [_job_task("complete", 7), _job_task("running", 8)], [], [], ["migrate"], {}),
        ([_job(8)], [_job_task("failed", 8, "exit 1")], [], ["migrate"], [], {"migrate": "exit 1"}),
        # Within the restart policy, a failure is retried: still pending.
        ([_job(8, max_attempts=2)], [_job_task("failed", 8, "exit 1")], [], [], ["migrate"], {}),
        (
            [_job(8, max_attempts=1)],
            [_job_task("failed", 8, "exit 1"), _job_task("rejected", 8, "no image"), _job_task("failed", 8, "exit 1")],
            [],
            ["migrate"],
            [],
            {"migrate": "exit 1; no image"},
        ),
        # The first run of a job has no iteration index.
        ([_job()], [_job_task("complete")], ["migrate"], [], [], {}),
        ([_job()], [_job_task("failed")], [], ["migrate"], [], {"migrate": "no error"}),
    ],
)
def test_job_verdict(services, tasks, done, failed, pending, errors):
    verdict = job_verdict({"services": services, "tasks": tasks}, STACK, ["migrate"])
    assert (verdict["done"], verdict["failed"], verdict["pending"], verdict["errors"]) == (
        done,
        failed,
        pending,
        errors,
    )


# ---- secrets ---------------------------------------------------------------------------------------


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def _spec(name, value=None):
    labels = {"ansible_key": hashlib.sha224(value.encode()).hexdigest()} if value is not None else {}
    return {"Name": name, "Labels": labels}


@pytest.mark.parametrize(
    "existing, expected",
    [
        ([_spec("db_v1", "s3cret")], []),  # same value
        ([_spec("db_v1", "other")], ["db_v1"]),  # changed under the same name: refused
        ([_spec("db_v1")], []),  # created by hand, no key: not compared
        ([_spec("unrelated", "x")], []),
        ([], []),
    ],
)
def test_secret_conflicts(existing, expected):
    assert secret_conflicts({"db_v1": _b64("s3cret")}, existing) == expected


def test_secret_conflicts_refuses_a_value_that_is_not_base64():
    with pytest.raises(SwarmPlanError, match="secret db_v1 is not base64"):
        secret_conflicts({"db_v1": "%%%"}, [_spec("db_v1", "x")])


@pytest.mark.parametrize(
    ("role_label", "is_manager", "groups", "own", "want"),
    [
        ("", True, [], {}, {}),
        ("assistant.role", True, [], {}, {"assistant.role": "manager"}),
        ("assistant.role", False, [], {}, {"assistant.role": "worker"}),
        # Groups in name order, the host's own labels last; values as strings.
        ("r", False, ["b", "a"], {}, {"r": "worker", "tier": "b", "db": "true", "n": "3"}),
        ("r", False, ["a"], {"tier": "own", "r": "x"}, {"r": "x", "tier": "own", "db": "true"}),
        ("r", False, ["c"], {}, {"r": "worker"}),
    ],
)
def test_node_labels(role_label, is_manager, groups, own, want):
    from ansible_collections.assistant.containers.plugins.module_utils.swarm_rollout import node_labels

    group_labels = {"a": {"tier": "a", "db": True}, "b": {"tier": "b", "n": 3}}
    assert node_labels(role_label, is_manager, group_labels, groups, own) == want

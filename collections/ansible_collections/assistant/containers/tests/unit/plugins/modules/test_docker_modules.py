# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Docker API modules end to end against a fake engine: options, SDK, HTTP, results and failures."""

from __future__ import annotations

import json
import socket

import pytest
from ansible_collections.assistant.containers.plugins.module_utils import docker_client
from ansible_collections.assistant.containers.plugins.modules import (
    host_preflight_info,
    image_budget_info,
    stack_health_info,
)
from fake_engine import multiplexed, tar_of

TRUE = {"1", "true", "True"}
API = "a" * 64
WORKER = "b" * 64
MIGRATE = "c" * 64
ONEOFF = "d" * 64


def _labels(service, oneoff=False):
    return {
        "com.docker.compose.project": "demo",
        "com.docker.compose.service": service,
        "com.docker.compose.oneoff": "True" if oneoff else "False",
    }


def _listed(cid, service, state="running", ports=(), oneoff=False):
    return {
        "Id": cid,
        "Names": [f"/demo-{service}-1"],
        "State": state,
        "Labels": _labels(service, oneoff),
        "Ports": [{"PrivatePort": p, "PublicPort": p, "Type": "tcp"} for p in ports],
    }


def _inspect(cid, service, status="running", health=None, exit_code=0, tty=False, output=""):
    state = {"Status": status, "ExitCode": exit_code, "Error": "", "Restarting": False}
    if health:
        state["Health"] = {"Status": health, "Log": [{"Output": output, "ExitCode": 1 if output else 0}]}
    return {
        "Id": cid,
        "Name": f"/demo-{service}-1",
        "Image": "sha256:" + service[0] * 64,
        "State": state,
        "Config": {"Tty": tty, "Labels": _labels(service)},
    }


def _serve_compose(engine, containers, logs=None):
    """containers: [(listed, inspect)]; logs: {id: bytes}."""
    by_id = {listed["Id"]: inspect for listed, inspect in containers}
    engine.routes[("GET", r"/containers/json")] = [pair[0] for pair in containers]
    engine.routes[("GET", r"/containers/([0-9a-f]+)/json")] = lambda m, q, b: by_id.get(m.group(1), 404)
    engine.routes[("GET", r"/containers/([0-9a-f]+)/logs")] = lambda m, q, b: (logs or {}).get(m.group(1), 404)


def _args(engine, **kwargs):
    return dict(docker_host=f"unix://{engine.socket_path}", **kwargs)


class TestStackHealthInfo:
    def test_healthy_project_with_a_completed_job(self, engine, run):
        _serve_compose(
            engine,
            [
                (_listed(API, "api", ports=[8080]), _inspect(API, "api", health="healthy")),
                (_listed(MIGRATE, "migrate", state="exited"), _inspect(MIGRATE, "migrate", status="exited")),
                (_listed(ONEOFF, "migrate", oneoff=True), _inspect(ONEOFF, "migrate", status="exited", exit_code=3)),
            ],
        )
        failed, result = run(
            stack_health_info, _args(engine, project="demo", completed_services=["migrate"], timeout=5, interval=0.1)
        )
        assert not failed, result["msg"]
        assert result["changed"] is False
        assert [(r["service"], r["state"], r["healthy"]) for r in result["services"]] == [
            ("api", "healthy", 1),
            ("migrate", "completed", 0),
        ]
        assert result["services"][0]["containers"][0]["image"] == "sha256:" + "a" * 64
        assert result["table"][0].split()[:2] == ["SERVICE", "STATE"]
        listed = engine.calls("GET", r"/containers/json")[0]
        assert engine.filters(listed) == {"label": ["com.docker.compose.project=demo"]}
        assert listed["query"]["all"][0] in TRUE

    @pytest.mark.parametrize(
        ("tty", "logs", "expected"),
        [
            (
                False,
                multiplexed(stdout=b"log-line-1\nlog-line-2\n", stderr=b"log-line-3\n"),
                ["log-line-2", "log-line-3"],
            ),
            (True, b"log-line-1\nlog-line-2\nlog-line-3\n", ["log-line-2", "log-line-3"]),
        ],
        ids=["multiplexed", "tty"],
    )
    def test_unhealthy_service_fails_with_its_check_output_and_last_log_lines(self, engine, run, tty, logs, expected):
        _serve_compose(
            engine,
            [(_listed(WORKER, "worker"), _inspect(WORKER, "worker", health="unhealthy", tty=tty, output="boom"))],
            logs={WORKER: logs},
        )
        failed, result = run(stack_health_info, _args(engine, project="demo", timeout=5, interval=0.1, log_lines=2))
        assert failed
        assert "worker is unhealthy" in result["msg"]
        assert "boom" in result["msg"]
        for line in expected:
            assert line in result["msg"]
        assert "log-line-1" not in result["msg"]
        assert "\x00" not in result["msg"]  # the frame headers of a multiplexed stream are gone
        assert result["services"][0]["state"] == "unhealthy"
        call = engine.calls("GET", rf"/containers/{WORKER}/logs")[-1]
        assert call["query"]["tail"] == ["2"]
        assert call["query"]["stdout"][0] in TRUE and call["query"]["stderr"][0] in TRUE

    def test_logs_of_a_vanished_container_are_a_note_not_an_error(self, engine, run):
        _serve_compose(engine, [(_listed(WORKER, "worker"), _inspect(WORKER, "worker", status="exited", exit_code=2))])
        failed, result = run(stack_health_info, _args(engine, project="demo", timeout=5, interval=0.1))
        assert failed
        assert "worker is exited" in result["msg"]
        assert "(no logs:" in result["msg"]

    def test_no_containers_and_no_services_named_fails_naming_the_label(self, engine, run):
        engine.routes[("GET", r"/containers/json")] = []
        failed, result = run(stack_health_info, _args(engine, project="demo", timeout=1))
        assert failed
        assert "com.docker.compose.project=demo" in result["msg"]
        assert result["services"] == [] and result["table"] == []

    @pytest.mark.parametrize(("api_version", "asks_status"), [("1.45", True), ("1.40", False)])
    def test_swarm_stack(self, engine, run, api_version, asks_status):
        engine.routes[("GET", r"/version")]["ApiVersion"] = api_version
        engine.routes[("GET", r"/services")] = [
            {
                "ID": "svc1",
                "Spec": {"Name": "demo_api", "Mode": {"Replicated": {"Replicas": 2}}},
            }
        ]
        engine.routes[("GET", r"/tasks")] = [
            {
                "ID": "task1" + "0" * 20,
                "DesiredState": "running",
                "Status": {"State": "running", "ContainerStatus": {"ContainerID": API}},
            },
            {
                "ID": "task2" + "0" * 20,
                "DesiredState": "running",
                "Status": {"State": "running", "ContainerStatus": {"ContainerID": WORKER}},
            },
        ]
        # The first task's container runs on this node; the second on another (404 here).
        engine.routes[("GET", r"/containers/([0-9a-f]+)/json")] = lambda m, q, b: (
            _inspect(API, "api", health="healthy") if m.group(1) == API else 404
        )
        failed, result = run(stack_health_info, _args(engine, stack="demo", timeout=5, interval=0.1))
        assert not failed, result["msg"]
        (row,) = result["services"]
        assert (row["service"], row["state"], row["desired"], row["healthy"]) == ("api", "healthy", 2, 2)
        services = engine.calls("GET", r"/services")[0]
        assert engine.filters(services) == {"label": ["com.docker.stack.namespace=demo"]}
        assert ("status" in services["query"]) is asks_status
        if asks_status:
            assert services["query"]["status"][0] in TRUE
        tasks = engine.calls("GET", r"/tasks")[0]
        assert engine.filters(tasks) == {"service": ["svc1"]}


class TestHostPreflightInfo:
    def test_reports_engine_ports_services_and_one_off_containers(self, engine, run):
        engine.routes[("GET", r"/info")] = {"DockerRootDir": "/"}
        engine.routes[("GET", r"/containers/json")] = [
            _listed(API, "api", ports=[8080]),
            _listed(WORKER, "worker", state="exited", ports=[9090]),
            _listed(ONEOFF, "migrate", oneoff=True),
        ]
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            busy = listener.getsockname()[1]
            failed, result = run(
                host_preflight_info,
                _args(engine, project="demo", ports=[{"port": 8080}, {"port": busy}], connect_timeout=1),
            )
        assert not failed, result["msg"]
        assert result["engine"] == {"version": "26.1.5", "api_version": "1.45", "docker_root_dir": "/"}
        assert isinstance(result["free_mb"], int) and result["free_mb"] > 0
        assert result["own_ports"] == [8080]
        assert result["busy_ports"] == [{"port": busy, "host": "127.0.0.1"}]
        assert result["running_services"] == ["api"]
        assert result["one_off"] == [{"id": ONEOFF, "name": "demo-migrate-1", "state": "running"}]
        listed = engine.calls("GET", r"/containers/json")[0]
        assert engine.filters(listed) == {"label": ["com.docker.compose.project=demo"]}


def _image(image_id, size, layers, user="", labels=None, healthcheck=None):
    config = {"User": user, "Labels": labels or {}, "ExposedPorts": {"8000/tcp": {}}}
    if healthcheck:
        config["Healthcheck"] = healthcheck
    return {
        "Id": image_id,
        "RepoTags": [],
        "Size": size,
        "RootFS": {"Type": "layers", "Layers": layers},
        "Config": config,
    }


class TestImageBudgetInfo:
    def _serve(self, engine, files):
        images = {
            "demo/app:1": _image("sha256:app", 150_000_000, ["l1", "l2", "l3"], user="app", labels={"v": "1"}),
            "demo/base:1": _image("sha256:base", 100_000_000, ["l1", "l2"]),
        }
        engine.routes[("GET", r"/images/(.+)/json")] = lambda m, q, b: images.get(m.group(1), 404)
        engine.routes[("POST", r"/containers/create")] = lambda m, q, b: {"Id": "scan1", "Warnings": []}
        engine.routes[("GET", r"/containers/scan1/export")] = tar_of(files)
        engine.routes[("DELETE", r"/containers/scan1")] = 204

    def test_reports_every_violation_and_removes_its_scan_container(self, engine, run):
        passwd = b"root:x:0:0:root:/root:/bin/sh\napp:x:0:0::/app:/bin/sh\n"
        self._serve(engine, {"/etc": None, "/etc/passwd": passwd, "/usr/local/bin/pip": b"#!"})
        failed, result = run(
            image_budget_info,
            _args(
                engine,
                name="demo/app:1",
                base_image="demo/base:1",
                max_size="120MB",
                max_size_above_base="10MB",
                required_labels=["v=1", "org.opencontainers.image.revision"],
                non_root=True,
                healthcheck_required=True,
                report_only=True,
            ),
        )
        assert not failed, result["msg"]
        assert result["passed"] is False
        checks = sorted(v["check"] for v in result["violations"])
        assert checks == [
            "forbidden",
            "healthcheck_required",
            "max_size",
            "max_size_above_base",
            "non_root",
            "required_labels",
        ]
        image = result["image"]
        assert (image["size"], image["size_above_base"], image["layers"]) == (150_000_000, 50_000_000, 3)
        assert image["base_image"]["is_ancestor"] is True
        assert image["forbidden_found"] == {"pip": ["/usr/local/bin/pip"]}
        (create,) = engine.calls("POST", r"/containers/create")
        body = json.loads(create["body"])
        assert body["Image"] == "sha256:app"
        assert body["Entrypoint"] == ["image-budget-scan"] and body["Cmd"] == []
        assert body["NetworkDisabled"] is True
        assert body["Labels"] == {"assistant.containers.image_budget_info": "scan"}
        (delete,) = engine.calls("DELETE", r"/containers/scan1")
        assert delete["query"]["force"][0] in TRUE and delete["query"]["v"][0] in TRUE

    def test_within_budget_passes_without_a_scan_when_nothing_needs_one(self, engine, run):
        self._serve(engine, {})
        failed, result = run(image_budget_info, _args(engine, name="demo/app:1", max_size="200MB", forbidden=[]))
        assert not failed, result["msg"]
        assert result["passed"] is True and result["violations"] == []
        assert result["image"]["forbidden_found"] is None
        assert engine.calls("POST", r"/containers/create") == []

    def test_over_budget_fails_with_the_result(self, engine, run):
        self._serve(engine, {"/usr/bin/gcc": b""})
        failed, result = run(image_budget_info, _args(engine, name="demo/app:1", max_size="100MB"))
        assert failed
        assert "max_size" in {v["check"] for v in result["violations"]}
        assert "gcc" in result["msg"]
        assert len(engine.calls("DELETE", r"/containers/scan1")) == 1

    def test_a_missing_image_names_the_option(self, engine, run):
        self._serve(engine, {})
        failed, result = run(image_budget_info, _args(engine, name="demo/nope:1"))
        assert failed
        assert result["msg"].startswith("name: expected a local image 'demo/nope:1'")
        assert result["violations"] == []


class TestConnection:
    def test_an_engine_that_is_not_there(self, run, tmp_path):
        failed, result = run(host_preflight_info, {"project": "demo", "docker_host": f"unix://{tmp_path}/no.sock"})
        assert failed
        assert result["msg"].startswith("Error connecting: ")

    def test_an_engine_too_old(self, engine, run):
        engine.routes[("GET", r"/version")]["ApiVersion"] = "1.24"
        failed, result = run(host_preflight_info, _args(engine, project="demo"))
        assert failed
        assert result["msg"] == "Docker API version is 1.24. Minimum version required is 1.25."

    def test_docker_host_from_the_environment(self, engine, run, monkeypatch):
        engine.routes[("GET", r"/info")] = {"DockerRootDir": "/"}
        engine.routes[("GET", r"/containers/json")] = []

        def run_with_env(module, args):
            monkeypatch.setenv("DOCKER_HOST", f"unix://{engine.socket_path}")
            from ansible.module_utils.testing import patch_module_args

            with patch_module_args(args), pytest.raises(SystemExit) as exited:
                module.main()
            return exited.value.code

        assert run_with_env(host_preflight_info, {"project": "demo"}) == 0
        assert engine.calls("GET", r"/info")

    def test_without_the_sdk_the_module_says_what_to_install(self, run, monkeypatch):
        monkeypatch.setattr(docker_client, "HAS_DOCKER", False)
        failed, result = run(host_preflight_info, {"project": "demo"})
        assert failed
        assert "docker (Docker SDK for Python; python3-docker on Debian)" in result["msg"]

    def test_an_sdk_too_old(self, run, monkeypatch):
        monkeypatch.setattr(docker_client.docker, "__version__", "4.4.4")
        failed, result = run(host_preflight_info, {"project": "demo"})
        assert failed
        assert "4.4.4" in result["msg"] and "5.0.0 or newer" in result["msg"]

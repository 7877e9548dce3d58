"""The checks themselves, on made-up images: each kind of deviation is caught (no Docker needed)."""

from __future__ import annotations

import pytest
from contract import (
    CONTRACT,
    DEFAULT_PATH,
    Entry,
    check_config,
    check_env,
    check_tools,
    check_users,
    resolve,
    which,
)

EXE = Entry("file", 0o755)


def with_parents(listing):
    """Add the directories a tar listing would hold for each path."""
    full = dict(listing)
    for path in listing:
        parts = path.strip("/").split("/")[:-1]
        for i in range(len(parts)):
            full.setdefault("/" + "/".join(parts[: i + 1]), Entry("dir"))
    return full


def conforming_node_exporter():
    """A listing and configuration of a prom/node-exporter exactly as the contract wants it."""
    image = CONTRACT["node_exporter"]
    listing = {"/": Entry("dir"), "/bin": Entry("dir"), "/bin/busybox": EXE, "/bin/node_exporter": EXE}
    for tool in image.tools:
        listing.setdefault(f"/bin/{tool}", Entry("link", 0o777, "busybox"))
    for path in image.files:
        listing[path] = Entry("file")
    listing = with_parents(listing)
    config = {
        "User": "nobody",
        "Entrypoint": ["/bin/node_exporter"],
        "Cmd": None,
        "ExposedPorts": {"9100/tcp": {}},
        "Env": [f"PATH={DEFAULT_PATH}"],
    }
    return image, listing, config


def test_a_conforming_image_passes():
    image, listing, config = conforming_node_exporter()
    assert check_config(image, config) == []
    assert check_env(image, config) == []
    assert check_tools(image, config, listing) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Healthcheck": {"Test": ["CMD", "http-probe", "9100"]}}, "HEALTHCHECK"),
        ({"User": "65534:65534"}, "User is '65534:65534'"),
        ({"Entrypoint": ["/usr/bin/prometheus-node-exporter"]}, "Entrypoint"),
        ({"ExposedPorts": {}}, "ExposedPorts"),
        ({"StopSignal": "SIGINT"}, "StopSignal"),
        ({"Volumes": {"/data": {}}}, "Volumes"),
        ({"Shell": ["/bin/bash", "-o", "pipefail", "-c"]}, "SHELL"),
    ],
)
def test_config_deviations_are_caught(change, expected):
    image, _, config = conforming_node_exporter()
    problems = check_config(image, {**config, **change})
    assert any(expected in p for p in problems), problems


def test_a_disabled_healthcheck_is_no_healthcheck():
    image, _, config = conforming_node_exporter()
    assert check_config(image, {**config, "Healthcheck": {"Test": ["NONE"]}}) == []


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ([f"PATH={DEFAULT_PATH}", "REDIS_PASSWORD_FILE=/run/secrets/x"], "REDIS_PASSWORD_FILE is set"),
        ([f"PATH={DEFAULT_PATH}", "LANG=C.UTF-8"], "LANG is set"),
        (["PATH=/usr/bin"], "PATH='/usr/bin'"),
    ],
)
def test_environment_deviations_are_caught(env, expected):
    image, _, config = conforming_node_exporter()
    problems = check_env(image, {**config, "Env": env})
    assert any(expected in p for p in problems), problems


def test_build_metadata_of_the_official_image_is_allowed_not_required():
    image = CONTRACT["python"]
    config = {"Env": ["PATH=/usr/local/bin:" + DEFAULT_PATH]}
    assert check_env(image, config) == []
    assert check_env(image, {"Env": [*config["Env"], "PYTHON_VERSION=3.13.14"]}) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"/usr/bin/curl": EXE}, "curl is on PATH (/usr/bin/curl)"),
        ({"/usr/bin/bash": EXE}, "bash is on PATH"),
        ({"/usr/local/bin/http-probe": EXE}, "build helper http-probe"),
        ({"/usr/local/bin/apt-install": Entry("file")}, "build helper apt-install"),
    ],
)
def test_extra_tools_are_caught(extra, expected):
    image, listing, config = conforming_node_exporter()
    problems = check_tools(image, config, with_parents({**listing, **extra}))
    assert any(expected in p for p in problems), problems


def test_missing_tools_and_files_are_caught():
    image, listing, config = conforming_node_exporter()
    del listing["/bin/wget"], listing["/etc/services"]
    problems = check_tools(image, config, listing)
    assert any(p.startswith("wget is not on PATH") for p in problems), problems
    assert "/etc/services is missing" in problems


def test_a_tool_that_is_not_executable_is_not_on_path():
    image, listing, config = conforming_node_exporter()
    listing["/bin/node_exporter"] = Entry("file", 0o644)
    assert any(p.startswith("node_exporter is not on PATH") for p in check_tools(image, config, listing))


def test_a_shell_in_a_scratch_image_is_caught():
    image = CONTRACT["redis_exporter"]
    listing = {"/": Entry("dir"), "/redis_exporter": EXE, "/bin": Entry("dir"), "/bin/sh": EXE}
    for path in image.files:
        listing.setdefault(path, Entry("file"))
    problems = check_tools(image, {"Env": [f"PATH={DEFAULT_PATH}"]}, with_parents(listing))
    assert problems == ["sh is on PATH (/bin/sh); the official image has none"]


def test_paths_resolve_through_merged_usr_and_relative_links():
    listing = {
        "/": Entry("dir"),
        "/bin": Entry("link", 0o777, "usr/bin"),
        "/usr": Entry("dir"),
        "/usr/bin": Entry("dir"),
        "/usr/bin/redis-check-rdb": EXE,
        "/usr/bin/redis-server": Entry("link", 0o777, "redis-check-rdb"),
        "/usr/local": Entry("dir"),
        "/usr/local/bin": Entry("dir"),
        "/usr/local/bin/redis-server": Entry("link", 0o777, "/usr/bin/redis-server"),
        "/loop": Entry("link", 0o777, "/loop"),
    }
    assert resolve(listing, "/bin/redis-server") == "/usr/bin/redis-check-rdb"
    assert which(listing, "redis-server", DEFAULT_PATH) == "/usr/local/bin/redis-server"
    assert resolve(listing, "/loop") is None
    assert which(listing, "curl", DEFAULT_PATH) is None


@pytest.mark.parametrize(
    ("passwd", "group", "expected"),
    [
        ("postgres:x:999:999::/var/lib/postgresql:/bin/bash\n", "postgres:x:999:\n", []),
        (
            "postgres:x:101:101::/:/bin/false\n",
            "postgres:x:101:\n",
            ["user postgres is (101, 101)", "no group with gid 999"],
        ),
        ("", "", ["user postgres is None", "no group with gid 999"]),
        ("postgres:x:999:999::/:/bin/bash\n", "other:x:5:\n", ["no group with gid 999"]),
    ],
)
def test_users(passwd, group, expected):
    problems = check_users(CONTRACT["postgres"], passwd, group)
    assert len(problems) == len(expected)
    assert all(p.startswith(e) for p, e in zip(problems, expected, strict=True)), problems


def test_every_table_names_its_source_and_official_image():
    for name, image in CONTRACT.items():
        assert image.source and image.official, name
        assert not set(image.tools) & set(image.lacks), name

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import json
import os

import pytest
from ansible_collections.assistant.containers.plugins.module_utils import docker_engine as de

PACKAGES = ["docker.io", "docker-cli", "docker-buildx", "docker-compose"]


@pytest.mark.parametrize(
    "text, want",
    [
        ("Docker version 26.1.5+dfsg1, build a72d7cd", "26.1.5"),
        ("Docker version 20.10.24+dfsg1, build 297e128", "20.10.24"),
        ("25.0", "25.0.0"),
        ("no version here", None),
        ("", None),
        (None, None),
    ],
)
def test_version_text(text, want):
    assert de.version_text(text) == want


def test_dpkg_query_reports_unknown_packages_as_not_installed():
    out = "docker.io\tinstalled\t26.1.5+dfsg1-9+b11\ndocker-cli\tconfig-files\t26.1.5+dfsg1-9+b11\n"
    pkgs = de.parse_dpkg_query(out, PACKAGES)
    assert pkgs["docker.io"] == {"status": "installed", "version": "26.1.5+dfsg1-9+b11"}
    assert pkgs["docker-buildx"] == {"status": "not-installed", "version": None}
    assert de.missing_packages(pkgs) == ["docker-cli", "docker-buildx", "docker-compose"]


@pytest.mark.parametrize(
    "stdout, want",
    [
        (
            json.dumps({"Client": {"Version": "28.2.2"}, "Server": {"Version": "26.1.5+dfsg1", "ApiVersion": "1.45"}}),
            {"version": "26.1.5+dfsg1", "api_version": "1.45"},
        ),
        # The client prints its part even when no server answers.
        (json.dumps({"Client": {"Version": "28.2.2"}, "Server": None}), None),
        ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock.", None),
        ("", None),
    ],
)
def test_parse_docker_version(stdout, want):
    assert de.parse_docker_version(stdout) == want


def test_parse_plugins_leaves_out_broken_ones():
    out = json.dumps(
        [
            {"Name": "buildx", "Version": "0.13.1"},
            {"Name": "compose", "Version": "2.26.1"},
            {"Name": "scan", "Err": "plugin candidate is not a plugin"},
        ]
    )
    assert de.parse_plugins(out) == {"buildx": "0.13.1", "compose": "2.26.1"}
    assert de.parse_plugins("null") == {}
    assert de.parse_plugins("garbage") == {}


@pytest.mark.parametrize(
    "installed, running, want",
    [
        ("26.1.5", "26.1.5+dfsg1", False),
        ("27.5.1", "26.1.5+dfsg1", True),
        ("26.1.5", None, False),
        (None, "26.1.5", False),
        ("26.1.4", "26.1.5", False),
    ],
)
def test_needs_restart(installed, running, want):
    assert de.needs_restart(installed, running) is want


def _host(commands):
    """A fake run(): argv[0] -> (rc, stdout, stderr); commands not listed do not exist (rc None)."""
    calls = []

    def run(argv):
        calls.append(argv)
        return commands.get(argv[0], (None, "", ""))

    return run, calls


def test_bare_host():
    run, calls = _host({"dpkg-query": (1, "", "dpkg-query: no packages found matching docker.io")})
    state = de.read_engine(run, PACKAGES, supervisor="/usr/local/sbin/assistant-dockerd")
    assert state["missing_packages"] == PACKAGES
    assert state["dockerd_version"] is None
    assert state["server"] is None
    assert state["plugins"] == {}
    assert state["supervisor_running"] is False
    assert state["systemd"] is None
    assert state["restart_needed"] is False
    # No plugin query without a server.
    assert not any(c[:2] == ["docker", "info"] for c in calls)


def test_running_engine_older_than_its_binary():
    version = json.dumps({"Server": {"Version": "26.1.5+dfsg1", "ApiVersion": "1.45"}})
    plugins = json.dumps([{"Name": "buildx", "Version": "0.13.1"}, {"Name": "compose", "Version": "2.26.1"}])

    def run(argv):
        if argv[0] == "dpkg-query":
            return 0, "".join(f"{p}\tinstalled\t27.5.1\n" for p in PACKAGES), ""
        if argv[0] == "dockerd":
            return 0, "Docker version 27.5.1+dfsg2, build 4c9b3b0\n", ""
        if argv[:2] == ["docker", "version"]:
            return 0, version, ""
        if argv[:2] == ["docker", "info"]:
            return 0, plugins, ""
        if argv[0] == "/sv":
            return 0, "running\n", ""
        return None, "", ""

    state = de.read_engine(run, PACKAGES, supervisor="/sv")
    assert state["missing_packages"] == []
    assert state["dockerd_version"] == "27.5.1"
    assert state["server"]["version"] == "26.1.5+dfsg1"
    assert state["plugins"] == {"buildx": "0.13.1", "compose": "2.26.1"}
    assert state["supervisor_running"] is True
    assert state["restart_needed"] is True


def test_systemd_view():
    def run(argv):
        if argv[:2] == ["systemctl", "is-active"]:
            return 3, "inactive\n", ""
        if argv[:2] == ["systemctl", "is-enabled"]:
            return 0, "enabled\n", ""
        return None, "", ""

    assert de.read_engine(run, [])["systemd"] == {"active": "inactive", "enabled": "enabled"}


def test_file_state_of_a_real_file_agrees_with_copy_checksums(tmp_path):
    path = tmp_path / "daemon.json"
    assert de.file_state(str(path)) == {"exists": False}
    path.write_text('{"live-restore": true}\n')
    path.chmod(0o640)
    got = de.file_state(str(path))
    assert got["exists"] is True and got["mode"] == "0640"
    assert got["checksum"] == hashlib.sha1(b'{"live-restore": true}\n', usedforsecurity=False).hexdigest()
    assert (got["uid"], got["gid"]) == (os.getuid(), os.getgid())

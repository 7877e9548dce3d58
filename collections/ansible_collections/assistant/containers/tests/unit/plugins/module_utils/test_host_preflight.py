# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import socket
import subprocess
from types import SimpleNamespace

from ansible_collections.assistant.containers.plugins.module_utils.host_preflight import (
    ONEOFF_LABEL,
    SERVICE_LABEL,
    busy_ports,
    crowded_services,
    free_mb,
    one_off,
    port_in_use,
    published_ports,
    running_services,
    service_containers,
)

CONTAINERS = [
    {
        "Id": "a" * 64,
        "Names": ["/p-api-1"],
        "State": "running",
        "Labels": {"com.docker.compose.service": "api"},
        "Ports": [{"PrivatePort": 8000, "PublicPort": 28700, "Type": "tcp"}, {"PrivatePort": 9000, "Type": "tcp"}],
    },
    {
        "Id": "b" * 64,
        "Names": ["/p-migrate-run-1"],
        "State": "running",
        "Labels": {"com.docker.compose.oneoff": "True", "com.docker.compose.service": "migrate"},
        "Ports": [],
    },
    {"Id": "d" * 64, "Names": ["/p-seed-1"], "State": "exited", "Labels": {"com.docker.compose.service": "seed"}},
    {
        "Id": "c" * 64,
        "Names": ["/p-nginx-1"],
        "State": "running",
        "Labels": {"com.docker.compose.oneoff": "False"},
        "Ports": [
            {"PrivatePort": 8080, "PublicPort": 28780, "Type": "tcp"},
            {"PrivatePort": 8080, "PublicPort": 28780},
        ],
    },
]


def test_published_ports_are_the_public_ones_once():
    assert published_ports(CONTAINERS) == [28700, 28780]


def test_one_off_containers_are_found_by_label():
    assert one_off(CONTAINERS) == [{"id": "b" * 64, "name": "p-migrate-run-1", "state": "running"}]


def test_free_mb_uses_the_unprivileged_blocks():
    fake = SimpleNamespace(f_bavail=2048, f_frsize=1024 * 1024, f_bfree=4096)
    assert free_mb("/x", statvfs=lambda path: fake) == 2048


def test_free_mb_of_a_real_directory_agrees_with_df(tmp_path):
    # df is what the deploy role used before; a few MB of drift between the two reads is allowed.
    argv = ["df", "--output=avail", "-m", str(tmp_path)]
    df = subprocess.run(argv, capture_output=True, text=True, check=True)  # noqa: S603 (fixed program)
    assert abs(free_mb(str(tmp_path)) - int(df.stdout.split()[-1])) <= 16


def test_busy_ports_skip_the_projects_own_and_probe_the_rest():
    probed = []

    def probe(host, port):
        probed.append(port)
        return port == 5432

    wanted = [
        {"host": "127.0.0.1", "port": 28700},
        {"host": "127.0.0.1", "port": 5432},
        {"host": "127.0.0.1", "port": 6379},
    ]
    assert busy_ports(wanted, [28700], probe) == [{"host": "127.0.0.1", "port": 5432}]
    assert probed == [5432, 6379]


def test_port_in_use_against_a_real_listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        assert port_in_use("127.0.0.1", port, timeout=1)
    finally:
        server.close()
    assert not port_in_use("127.0.0.1", port, timeout=1)


def test_running_services_leave_out_one_offs_and_stopped_containers():
    assert running_services(CONTAINERS) == ["api"]


def test_service_containers_leave_out_one_offs_and_unlabelled():
    listed = [
        {"Id": "b", "State": "running", "Labels": {SERVICE_LABEL: "api"}},
        {"Id": "a", "State": "exited", "Labels": {SERVICE_LABEL: "api"}},
        {"Id": "c", "State": "running", "Labels": {SERVICE_LABEL: "migrate", ONEOFF_LABEL: "True"}},
        {"Id": "d", "State": "running", "Labels": {}},
        {"Id": "e", "Labels": {SERVICE_LABEL: "db"}},
    ]
    assert service_containers(listed) == [
        {"service": "api", "id": "a", "state": "exited"},
        {"service": "api", "id": "b", "state": "running"},
        {"service": "db", "id": "e", "state": "unknown"},
    ]


def test_crowded_services_are_those_with_more_than_one_container():
    rows = [
        {"service": "api", "id": "a", "state": "running"},
        {"service": "api", "id": "b", "state": "exited"},
        {"service": "db", "id": "c", "state": "running"},
        {"service": "worker", "id": "d", "state": "running"},
        {"service": "worker", "id": "e", "state": "running"},
    ]
    assert crowded_services(rows) == ["api", "worker"]
    assert crowded_services(rows[2:3]) == []
    assert crowded_services([]) == []

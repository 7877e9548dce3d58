# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from ansible_collections.assistant.containers.plugins.module_utils import compose_render as cr

# The role's real stack shape and resources, so the tests follow the role.
_ROLE = Path(__file__).resolve().parents[4] / "roles" / "compose"
_VARS = yaml.safe_load((_ROLE / "vars" / "main.yml").read_text())
_DEFAULTS = yaml.safe_load((_ROLE / "defaults" / "main.yml").read_text())
SERVICES = _VARS["_compose_services"]
RESOURCES = _VARS["_compose_default_resources"]
REQUIRED = _VARS["_compose_required_secrets"]
IMAGES = {
    "app": "assistant/app:0.1.0",
    "postgres": "assistant/postgres:17",
    "redis": "assistant/redis:8",
    "nginx": "assistant/nginx:1.26",
    "prometheus": "assistant/prometheus:2.53",
    "node_exporter": "assistant/node-exporter:1.9",
    "postgres_exporter": "assistant/postgres-exporter:0.17",
    "redis_exporter": "assistant/redis-exporter:1.69",
}
# The options as the prod inventory sets them over the role's defaults.
GOOD = {
    **{k: v for k, v in _DEFAULTS.items() if k in _VARS["_compose_option_names"]},
    "compose_project_name": "assistant-prod",
    "compose_images": IMAGES,
    "compose_swarm": True,
    "compose_monitoring": "on",
    "compose_ports": {"nginx": [{"target": 8080, "published": 80}, {"target": 8443, "published": 443}]},
    "compose_replicas": {"api": 2, "agent": 2, "sms": 2, "worker": 2, "nginx": 2},
    "compose_sms_public_url": "https://assistant.example.invalid",
    "compose_sms_numbers": {"+15550101": "stage-tester"},
    "compose_seed_notes": [{"title": "Stage test note", "body": "Seeded test data (stage); safe to delete."}],
    "compose_placement_constraints": ["node.platform.os == linux"],
    "compose_data_placement_constraints": ["node.labels.assistant.data == true"],
    "compose_publish_placement_constraints": ["node.labels.assistant.publish == true"],
    "compose_tls_dir": "/etc/assistant/tls/prod",
}


def problems(**overrides):
    return cr.compose_problems({**GOOD, **overrides}, SERVICES, RESOURCES)


def test_every_option_is_listed_and_has_a_default():
    assert set(_VARS["_compose_option_names"]) <= set(_DEFAULTS)
    assert "compose_secrets" not in _VARS["_compose_option_names"]


def test_good_options_and_the_defaults_are_accepted():
    assert problems() == []
    defaults = {k: v for k, v in _DEFAULTS.items() if k in _VARS["_compose_option_names"]}
    assert cr.compose_problems({**defaults, "compose_project_name": "assistant-dev"}, SERVICES, RESOURCES) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # names
        ({"compose_project_name": "Assistant Prod"}, 'compose_project_name = "Assistant Prod": is not of the accepted'),
        ({"compose_project_name": "assistant\n"}, 'compose_project_name = "assistant\\n": contains a line feed'),
        ({"compose_postgres_db": "assistant\n"}, 'compose_postgres_db = "assistant\\n": contains a line feed'),
        ({"compose_postgres_db": "My DB"}, 'compose_postgres_db = "My DB": is not of the accepted form; expected a'),
        ({"compose_postgres_user": "pg_admin"}, 'starts with "pg_", which PostgreSQL reserves'),
        ({"compose_postgres_user": "app-user"}, 'compose_postgres_user = "app-user"'),
        # URLs and numbers
        (
            {"compose_sms_public_url": "not a url"},
            'compose_sms_public_url = "not a url": contains a space; expected an',
        ),
        ({"compose_sms_public_url": "https://x.example\n"}, 'compose_sms_public_url = "https://x.example\\n"'),
        ({"compose_otel_endpoint": "jaeger:4318"}, 'compose_otel_endpoint = "jaeger:4318": has the scheme "jaeger"'),
        ({"compose_sms_numbers": {15550001: "alice"}}, "compose_sms_numbers key = 15550001: is a number, not a string"),
        ({"compose_sms_numbers": {"555-0001": "alice"}}, 'compose_sms_numbers key = "555-0001"'),
        ({"compose_sms_numbers": {"+15550001": "alice,bob=x"}}, 'compose_sms_numbers.+15550001 = "alice,bob=x"'),
        ({"compose_sms_numbers": {"+15550001": "alice\n"}}, 'compose_sms_numbers.+15550001 = "alice\\n"'),
        # ports
        ({"compose_ports": {"mongodb": [{"target": 27017, "published": 27017}]}}, "compose_ports.mongodb: unknown"),
        ({"compose_ports": {"nginx": [{"target": 0, "published": 80}]}}, "compose_ports.nginx[0].target = 0"),
        (
            {"compose_ports": {"nginx": [{"target": 8080, "published": 70000}]}},
            "compose_ports.nginx[0].published = 70000",
        ),
        (
            {"compose_ports": {"api": [{"target": 8000, "published": 8000, "host_ip": "localhost"}]}},
            'compose_ports.api[0].host_ip = "localhost": is not an IP address; expected an IPv4 or IPv6 address',
        ),
        (
            {"compose_ports": {"api": [{"target": 8000, "published": 8000, "host_ip": "127.0.0.1\n"}]}},
            'compose_ports.api[0].host_ip = "127.0.0.1\\n": contains a line feed',
        ),
        (
            {"compose_ports": {"api": [{"target": 8000, "published": 8000, "host_ip": ""}]}},
            'compose_ports.api[0].host_ip = "": is empty',
        ),
        (
            {"compose_ports": {"api": [{"target": 8000, "published": 8000, "hostip": "127.0.0.1"}]}},
            "compose_ports.api[0].hostip: unknown key (a misspelt host_ip would publish on every interface)",
        ),
        (
            {
                "compose_ports": {
                    "api": [{"target": 8000, "published": 8000}],
                    "sms": [{"target": 8003, "published": 8000}],
                }
            },
            "compose_ports: sms (every address) and api (every address) both publish port 8000",
        ),
        (
            {
                "compose_ports": {
                    "api": [{"target": 8000, "published": 8000, "host_ip": "127.0.0.1"}],
                    "sms": [{"target": 8003, "published": 8000}],
                }
            },
            "compose_ports: sms (every address) and api (127.0.0.1) both publish port 8000",
        ),
        ({"compose_ports": {"api": "8000:8000"}}, 'compose_ports.api = "8000:8000": is a string; expected a list.'),
        # replicas
        ({"compose_replicas": {**GOOD["compose_replicas"], "api": 0}}, "compose_replicas.api = 0: is out of range"),
        ({"compose_replicas": {**GOOD["compose_replicas"], "api": 1}}, "compose_replicas.api = 1: too few for Swarm"),
        ({"compose_replicas": {**GOOD["compose_replicas"], "api": "two"}}, 'compose_replicas.api = "two": is a string'),
        (
            {"compose_replicas": {**GOOD["compose_replicas"], "migrate": 2}},
            "compose_replicas.migrate = 2: is a one-shot",
        ),
        ({"compose_replicas": {**GOOD["compose_replicas"], "node_exporter": 3}}, "runs once per node in Swarm"),
        (
            {"compose_swarm": False, "compose_replicas": {"nginx": 2}},
            "compose_replicas.nginx = 2: publishes host ports (compose_ports.nginx)",
        ),
        ({"compose_replicas": {**GOOD["compose_replicas"], "mongodb": 1}}, "compose_replicas.mongodb: unknown service"),
        # resources
        ({"compose_resources": {"api": {"memory": "lots"}}}, 'compose_resources.api.memory = "lots": is not a size'),
        ({"compose_resources": {"api": {"memory": "4m"}}}, "at least 6m (Docker's minimum)"),
        (
            {"compose_resources": {"api": {"memory": "128m", "reserve_memory": "256m"}}},
            'compose_resources.api.reserve_memory = "256m": is above the limit "128m"',
        ),
        (
            {"compose_resources": {"api": {"cpus": "0.1"}}},
            'compose_resources.api.reserve_cpus = "0.25": is above the limit',
        ),
        ({"compose_resources": {"worker": {"cpus": "-1"}}}, 'compose_resources.worker.cpus = "-1": is a string, not a'),
        (
            {"compose_resources": {"api": {"pids": 0}}},
            "compose_resources.api.pids = 0: is out of range; expected an integer",
        ),
        ({"compose_resources": {"api": {"memroy": "1g"}}}, "compose_resources.api.memroy: unknown key"),
        # health checks
        ({"compose_healthcheck": {**_DEFAULTS["compose_healthcheck"], "interval": "ten seconds"}}, "is not a duration"),
        ({"compose_healthcheck": {**_DEFAULTS["compose_healthcheck"], "timeout": "0s"}}, "compose_healthcheck.timeout"),
        (
            {"compose_healthcheck": {**_DEFAULTS["compose_healthcheck"], "retries": 0}},
            "compose_healthcheck.retries = 0",
        ),
        ({"compose_healthcheck": {"interval": "10s"}}, "compose_healthcheck.timeout: missing"),
        ({"compose_healthcheck": {**_DEFAULTS["compose_healthcheck"], "intervall": "5s"}}, "intervall: unknown key"),
        (
            {"compose_healthcheck_tests": {"migrate": ["CMD", "true"]}},
            "migrate is a one-shot job (its exit code is its health)",
        ),
        ({"compose_healthcheck_tests": {"api": ["RUN", "x"]}}, 'compose_healthcheck_tests.api[0] = "RUN"'),
        ({"compose_healthcheck_tests": {"api": ["CMD-SHELL", "a\nb"]}}, "compose_healthcheck_tests.api[1]"),
        ({"compose_healthcheck_tests": {"api": "curl localhost"}}, "compose_healthcheck_tests.api"),
        # images
        ({"compose_images": {**IMAGES, "app": "assistant/app-dev:dev tag!"}}, "compose_images.app ="),
        (
            {"compose_images": {**IMAGES, "app": "assistant/app:0.1.0\n"}},
            'compose_images.app = "assistant/app:0.1.0\\n"',
        ),
        ({"compose_images": {**IMAGES, "app": "assistant/app:0.1.0 "}}, "compose_images.app"),
        ({"compose_images": {**IMAGES, "postgress": "postgres:17"}}, "compose_images.postgress: unknown image"),
        # logs, counts
        ({"compose_log_max_size": "10 MB"}, 'compose_log_max_size = "10 MB": is not a size'),
        ({"compose_log_max_size": "0"}, 'compose_log_max_size = "0": is zero'),
        ({"compose_log_max_file": 0}, "compose_log_max_file = 0: is out of range; expected an integer from 1 to 100"),
        ({"compose_worker_concurrency": 500}, "compose_worker_concurrency = 500: is out of range"),
        # seed notes
        ({"compose_seed_notes": [{"title": "a", "body": "b\n"}]}, 'compose_seed_notes[0].body = "b\\n": contains'),
        ({"compose_seed_notes": [{"title": "a\n", "body": "b"}]}, "compose_seed_notes[0].title"),
        ({"compose_seed_notes": [{"title": "x" * 201, "body": "b"}]}, "is 201 characters long"),
        (
            {"compose_seed_notes": [{"title": "a", "body": "b"}, {"title": "a", "body": "c"}]},
            "repeats compose_seed_notes[0]",
        ),
        ({"compose_seed_notes": [{"title": "a", "text": "b"}]}, "compose_seed_notes[0].text: unknown key"),
        ({"compose_seed_notes": [{"title": "a"}]}, "compose_seed_notes[0].body: missing"),
        # Swarm
        ({"compose_update_delay": "ten seconds"}, 'compose_update_delay = "ten seconds": is not a duration'),
        ({"compose_update_monitor": "0s"}, 'compose_update_monitor = "0s": is zero'),
        ({"compose_update_parallelism": 0}, "compose_update_parallelism = 0: is out of range"),
        ({"compose_placement_constraints": ["node.role = manager"]}, "compose_placement_constraints[0]"),
        ({"compose_secret_versions": {"postgres_password": 0}}, "compose_secret_versions.postgres_password = 0"),
        ({"compose_secret_versions": {"postgress_password": 2}}, "compose_secret_versions.postgress_password: unknown"),
        # paths
        ({"compose_tls_dir": "etc/tls"}, 'compose_tls_dir = "etc/tls": is not an absolute path'),
        ({"compose_app_source_dir": "../app/src\n"}, "compose_app_source_dir"),
        (
            {"compose_optional_services": ["grafana", "kibana"]},
            'compose_optional_services[1] = "kibana": unknown service',
        ),
    ],
)
def test_bad_option_is_refused_with_variable_and_reason(overrides, expected):
    found = problems(**overrides)
    assert any(expected in p for p in found), found
    assert all("expected" in p for p in found), found


def test_every_problem_is_reported_at_once():
    found = problems(compose_postgres_db="A B", compose_log_max_file=0, compose_update_delay="x")
    assert len(found) == 3


def test_loopback_ports_of_the_dev_inventory_are_accepted():
    ports = {
        "nginx": [{"target": 8080, "published": 8080, "host_ip": "127.0.0.1"}],
        "api": [{"target": 8000, "published": 8000, "host_ip": "127.0.0.1"}],
        "prometheus": [{"target": 9090, "published": 9090, "host_ip": "::1"}],
    }
    assert problems(compose_ports=ports, compose_swarm=False, compose_replicas={}) == []


def test_same_port_on_two_addresses_is_accepted():
    ports = {
        "api": [{"target": 8000, "published": 8000, "host_ip": "127.0.0.1"}],
        "sms": [{"target": 8003, "published": 8000, "host_ip": "127.0.0.2"}],
    }
    assert problems(compose_ports=ports, compose_swarm=False, compose_replicas={}) == []


@pytest.mark.parametrize(
    ("secrets", "expected"),
    [
        ({}, ["compose_secrets.postgres_password has no value (it is not set)"]),
        ({"postgres_password": ""}, ["compose_secrets.postgres_password has no value (it is empty)"]),
        ({"postgres_password": 12345}, ["compose_secrets.postgres_password has no value (it is a number)"]),
        (
            {"postgres_password": "pw-Qm3kT8wLz1Xv5Rb2\n"},
            ["compose_secrets.postgres_password contains a line feed (U+000A) at its end (value not shown)"],
        ),
        (
            {"postgres_password": "pw-Qm3kT8wLz1Xv5Rb2 "},
            ["compose_secrets.postgres_password begins or ends with a space (value not shown)"],
        ),
        (
            {"postgres_password": "pw-Qm3\rkT8wLz1Xv5Rb2"},
            ["compose_secrets.postgres_password contains a carriage return"],
        ),
        ({"postgres_password": "pw-Qm3kT8 wLz1Xv5Rb2"}, []),
    ],
)
def test_secret_problems_name_the_secret_never_the_value(secrets, expected):
    found = cr.secret_problems(secrets, ["postgres_password"])
    assert len(found) == len(expected)
    for got, want in zip(found, expected, strict=True):
        assert got.startswith(want)
    for value in secrets.values():
        if isinstance(value, str) and value:
            assert all(value.strip() not in p for p in found)


def test_secret_problems_of_an_extra_secret_and_not_a_mapping():
    assert cr.secret_problems({"a": "x", "extra": "y\n"}, ["a"]) == [
        "compose_secrets.extra contains a line feed (U+000A) at its end (value not shown)"
    ]
    assert cr.secret_problems("pw", ["a"]) == [
        "compose_secrets is a string; expected a mapping of secret names to values."
    ]


def _plan(**kwargs):
    args = {"images": IMAGES, "manifest_text": "", "manifest_path": "/m.json", "seed": False, "monitoring": "on"}
    args.update(kwargs)
    return cr.plan(SERVICES, optional=("grafana", "loki", "jaeger"), **args)


def test_plan_prod_like():
    plan = _plan()
    assert plan["problems"] == []
    assert plan["left_out"] == ["grafana", "loki", "jaeger"]
    assert "seed" not in plan["services"] and "migrate" in plan["services"]
    assert plan["services"] == plan["default_services"]
    assert plan["jobs"] == ["migrate"]
    assert "migrate" not in plan["long_running"] and "api" in plan["long_running"]
    assert plan["images"]["api"] == "assistant/app:0.1.0"
    assert plan["default_images"].count("assistant/app:0.1.0") == 1
    assert list(plan["services"]) == [s for s in SERVICES if s in plan["services"]]


def test_plan_profile_keeps_monitoring_out_of_a_plain_up():
    plan = _plan(monitoring="profile", seed=True)
    assert "prometheus" in plan["services"] and "prometheus" not in plan["default_services"]
    assert "assistant/prometheus:2.53" not in plan["default_images"]
    assert plan["jobs"] == ["migrate", "seed"]


def test_plan_monitoring_off():
    plan = _plan(monitoring="off")
    assert "prometheus" not in plan["services"] and plan["left_out"] == []


def test_plan_manifest_wins_and_fills():
    manifest = json.dumps({"images": {"postgres": {"ref": "postgres:17"}, "grafana": {"ref": "grafana/grafana:11"}}})
    plan = _plan(manifest_text=manifest)
    assert plan["images"]["postgres"] == "postgres:17"
    assert plan["images"]["grafana"] == "grafana/grafana:11"
    assert plan["left_out"] == ["loki", "jaeger"]


def test_plan_missing_image_is_a_problem():
    plan = _plan(images={k: v for k, v in IMAGES.items() if k != "app"})
    assert plan["missing"][0] == 'service "migrate" (compose_images.app)'
    assert 'no image reference for service "migrate" (compose_images.app), service "api"' in plan["problems"][0]
    assert "offline_images manifest (/m.json; run playbooks/images.yml)" in plan["problems"][0]


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        ("{not json", "the offline_images manifest /m.json is not a manifest"),
        ('{"images": []}', "the offline_images manifest /m.json is not a manifest (images is not a mapping)"),
        ('{"images": {"app": {"ref": "assistant/app:1\\n"}}}', 'gives app the reference "assistant/app:1\\n"'),
    ],
)
def test_plan_bad_manifest(manifest, expected):
    assert any(expected in p for p in _plan(manifest_text=manifest)["problems"])


def test_secret_files_one_per_secret_and_uid_sorted():
    files = cr.secret_files(SERVICES, ["postgres", "migrate", "api", "seed"], "dev")
    paths = [f["path"] for f in files]
    assert paths == sorted(paths)
    assert "secrets/dev/postgres_password.999" in paths and "secrets/dev/postgres_password.10001" in paths
    assert len(paths) == len(set(paths))
    assert {"name": "postgres_password", "uid": 999, "path": "secrets/dev/postgres_password.999"} in files


def test_config_files_keep_what_runs():
    own = [
        {"name": "app.env", "content": "A=1\n"},
        {"name": "seed.sql", "service": "seed", "config": "seed_sql", "content": "--\n"},
    ]
    nginx = [{"name": "nginx.conf", "config": "nginx_conf", "content": "x", "validate": "nginx -t %s"}]
    files = cr.config_files(
        own, "prod", ["api", "nginx"], {"nginx": nginx, "prometheus": [{"name": "p", "content": ""}]}
    )
    assert files == [
        {"path": "env/prod/app.env", "content": "A=1\n", "config": "", "validate": ""},
        {"path": "env/prod/nginx.conf", "content": "x", "config": "nginx_conf", "validate": "nginx -t %s"},
    ]


class _Lazy(dict):
    """A mapping whose content must not be read (a template that would render for nothing)."""

    def __getitem__(self, key):
        if key == "content":
            raise AssertionError("content of a file that is left out was read")
        return super().__getitem__(key)


def test_config_files_do_not_read_the_content_of_files_left_out():
    own = [_Lazy(name="seed.sql", service="seed", content="boom")]
    assert cr.config_files(own, "prod", ["api"]) == []


RENDERED = {
    "project_dir": "/opt/my assistant",
    "compose_file": {"path": "docker-compose.prod.yml", "content": "services: {}\n"},
    "config_files": [{"path": "env/prod/nginx.conf", "content": "x", "config": "nginx_conf", "validate": "nginx %s"}],
}


def test_file_writes_compose_file_last_with_its_check():
    writes = cr.file_writes(RENDERED, True)
    assert writes[0] == {"path": "env/prod/nginx.conf", "content": "x", "mode": "0644", "validate": "nginx %s"}
    assert writes[-1]["path"] == "docker-compose.prod.yml"
    assert writes[-1]["validate"] == "docker compose --project-directory '/opt/my assistant' --file %s config --quiet"
    assert {w["validate"] for w in cr.file_writes(RENDERED, False)} == {""}


def test_check_files():
    assert cr.check_files(RENDERED) == [
        {"path": "docker-compose.prod.yml", "content": "services: {}\n"},
        {"path": "env/prod/nginx.conf", "content": "x"},
    ]
    assert cr.check_files(RENDERED, on_disk=True)[1] == {"path": "/opt/my assistant/env/prod/nginx.conf"}


def test_secret_writes():
    files = [{"name": "postgres_password", "uid": 999, "path": "secrets/dev/postgres_password.999"}]
    values = {"postgres_password": "pw"}
    assert cr.secret_writes(files, values) == [
        {"path": files[0]["path"], "content": "pw", "mode": "0600", "owner": "999", "group": "999"}
    ]
    assert cr.secret_writes(files, values, "check") == [
        {"path": files[0]["path"], "content": "pw", "mode": "0600", "secret": True}
    ]


def test_required_secrets_are_read_by_some_service():
    assert set(REQUIRED) <= set(cr.secret_names(SERVICES))


@pytest.mark.parametrize(
    ("rendered", "expected"),
    [
        ([{"target": 8000, "published": 8000, "host_ip": "127.0.0.1", "protocol": "tcp"}], []),
        (
            [{"target": 8000, "published": 8000, "protocol": "tcp"}],
            [
                "the rendered compose file publishes every address:8000->8000 for api; compose_ports.api asks for"
                " 127.0.0.1:8000->8000."
            ],
        ),
        ([], ["the rendered compose file publishes nothing for api; compose_ports.api asks for 127.0.0.1:8000->8000."]),
    ],
)
def test_published_problems(rendered, expected):
    document = {"services": {"api": {"ports": rendered}, "postgres": {}}}
    ports = {"api": [{"target": "8000", "published": 8000, "host_ip": "127.0.0.1"}]}
    assert cr.published_problems(document, ports) == expected


def test_published_problems_of_an_unasked_port():
    document = {"services": {"postgres": {"ports": [{"target": 5432, "published": 5432}]}}}
    assert cr.published_problems(document, {}) == [
        "the rendered compose file publishes every address:5432->5432 for postgres; compose_ports.postgres asks for"
        " nothing."
    ]


REDIS = {"appendonly": "yes", "appendfsync": "always", "maxmemory": "128mb", "maxmemory-policy": "noeviction"}


@pytest.mark.parametrize(
    "persistence",
    [
        REDIS,
        {**REDIS, "appendonly": True},  # an unquoted yes in YAML
        {**REDIS, "appendfsync": "everysec", "maxmemory": "1gb", "maxmemory-policy": "volatile-lru"},
        {**REDIS, "maxmemory": "134217728"},
    ],
)
def test_redis_persistence_accepted(persistence):
    assert problems(compose_redis_persistence=persistence) == []


@pytest.mark.parametrize(
    ("persistence", "expected"),
    [
        ({**REDIS, "appendfsync": "sometimes"}, 'compose_redis_persistence.appendfsync = "sometimes": is not accepted'),
        # allkeys-* would evict the queue's keys.
        ({**REDIS, "maxmemory-policy": "allkeys-lru"}, "one of noeviction, volatile-lru"),
        ({**REDIS, "maxmemory": "128 megabytes"}, "compose_redis_persistence.maxmemory"),
        # A pasted line break would add a directive to redis.conf.
        ({**REDIS, "maxmemory": "128mb\nrename-command CONFIG x"}, "is not a Redis memory size"),
        ({**REDIS, "maxmemory": "0"}, "a positive whole number"),
        ({k: v for k, v in REDIS.items() if k != "appendfsync"}, "compose_redis_persistence.appendfsync"),
        ({**REDIS, "save": "60 1"}, "compose_redis_persistence.save: unknown key"),
        ("appendonly yes", "compose_redis_persistence"),
    ],
)
def test_redis_persistence_refused(persistence, expected):
    found = problems(compose_redis_persistence=persistence)
    assert any(expected in line for line in found), found

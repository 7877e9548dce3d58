"""Bad input fails before any file changes, naming the variable, the problem and what is accepted."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ansible_playbook

DEV_KEY = "dev-only-app-secret-key-not-for-production"
PUBLISHED_POSTGRES = {"nginx": [{"target": 8080, "published": 80}], "postgres": [{"target": 5432, "published": 5432}]}
GOOD_PROD = {
    "compose_env": "prod",
    "compose_swarm": True,
    "compose_monitoring": "on",
    "compose_validate": False,
    "compose_write_secrets": False,
    "compose_images_manifest_path": "",
    "compose_images": {
        "app": "assistant/app:0.1.0",
        "postgres": "assistant/postgres:17",
        "redis": "assistant/redis:8",
        "nginx": "assistant/nginx:1.26",
        "prometheus": "assistant/prometheus:2.53",
        "node_exporter": "assistant/node-exporter:1.9",
        "postgres_exporter": "assistant/postgres-exporter:0.17",
        "redis_exporter": "assistant/redis-exporter:1.69",
    },
    "compose_ports": {"nginx": [{"target": 8080, "published": 80}]},
    "compose_replicas": {"api": 2, "agent": 2, "sms": 2, "worker": 2},
    "compose_secrets": {
        "postgres_password": "pg-Qm3kT8wLz1Xv5Rb2",
        "redis_password": "rd-Hn6pY2cJs9Ua4We7",
        "app_secret_key": "ak-Lq8vD3mZr6Tb1Nx9Kc4",
        "twilio_auth_token": "tw-Fz5sG7hB2kQw9Pe3",
    },
}


def run(tmp_path, **overrides):
    variables = {**GOOD_PROD, "compose_project_dir": str(tmp_path / "project"), **overrides}
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    # No inventory: only these variables, none of inventories/dev's.
    playbook = "tests/compose/files/render_one.yml"
    result = ansible_playbook("-i", "localhost,", playbook, "-e", f"@{tmp_path / 'vars.json'}")
    return result, re.sub(r"\s+", " ", result.stdout + result.stderr)


def test_good_input_renders(tmp_path):
    result, _ = run(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "project" / "docker-compose.prod.yml").is_file()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"compose_env": "qa"}, "compose_env must be one of: dev, stage, prod, got: qa"),
        (
            {"compose_ports": {"nginx": [{"target": 8080, "published": 70000}]}},
            "compose_ports.nginx[0].published = 70000: is out of range; expected a port: an integer from 1 to 65535.",
        ),
        (
            {"compose_replicas": {"api": 0, "agent": 2, "sms": 2, "worker": 2}},
            "compose_replicas.api = 0: is out of range; expected an integer from 1 to 100.",
        ),
        (
            {"compose_replicas": {"api": 1, "agent": 2, "sms": 2, "worker": 2}},
            "compose_replicas.api = 1: too few for Swarm; expected at least 2",
        ),
        (
            {"compose_resources": {"api": {"memory": "lots"}}},
            'compose_resources.api.memory = "lots": is not a size; expected a whole number with an optional unit',
        ),
        (
            {"compose_secrets": {**GOOD_PROD["compose_secrets"], "twilio_auth_token": ""}},
            "compose_secrets.twilio_auth_token has no value (it is empty). Expected a non-empty string",
        ),
        (
            {"compose_secrets": {**GOOD_PROD["compose_secrets"], "postgres_password": "changeme"}},
            "prod: compose_secrets.postgres_password holds a placeholder",
        ),
        (
            {"compose_secrets": {**GOOD_PROD["compose_secrets"], "app_secret_key": DEV_KEY}},
            "prod: compose_secrets.app_secret_key holds a dev default",
        ),
        (
            {"compose_ports": PUBLISHED_POSTGRES},
            "prod: docker-compose.prod.yml publishes service 'postgres' (ports, variable compose_ports.postgres)",
        ),
        (
            {"compose_project_name": "Assistant Prod"},
            'compose_project_name = "Assistant Prod": is not of the accepted form; expected a Compose project name',
        ),
        (
            {"compose_ports": {"nginx": [{"target": 8080, "published": 80, "host_ip": "127.0.0.1 "}]}},
            'compose_ports.nginx[0].host_ip = "127.0.0.1 ": has spaces around it; expected an IPv4 or IPv6 address',
        ),
        ({"compose_log_level": "DEBUG"}, "prod: env/prod/app.env sets LOG_LEVEL, which enables debug logging"),
        ({"compose_dev_reload": True}, "prod: env/prod/app.env sets DEV_RELOAD, which enables hot reload"),
        (
            {"compose_sms_public_url": "https://x.invalid/?k=pg-Qm3kT8wLz1Xv5Rb2"},
            "prod: env/prod/app.env holds the value of compose_secrets.postgres_password",
        ),
    ],
    ids=[
        "unknown-env",
        "port-out-of-range",
        "replicas-below-1",
        "swarm-replicas-below-2",
        "malformed-memory",
        "missing-secret",
        "placeholder-secret",
        "dev-default-secret",
        "published-postgres",
        "project-name-capitals",
        "host-ip-space",
        "debug",
        "reload",
        "secret-in-env-file",
    ],
)
def test_bad_input_fails_before_any_file_changes(tmp_path, overrides, expected):
    result, output = run(tmp_path, **overrides)
    assert result.returncode != 0, f"accepted bad input {overrides}"
    assert expected in output, output[-3000:]
    assert not (tmp_path / "project").exists(), "a file landed despite the failure"
    for value in GOOD_PROD["compose_secrets"].values():
        assert value not in output

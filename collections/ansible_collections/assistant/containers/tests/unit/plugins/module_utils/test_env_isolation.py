# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.env_isolation import (
    check,
    is_placeholder,
    is_secret_mode_ok,
    parse_env_file,
)

DEV = {"postgres_password": "dev-only-postgres-password", "app_secret_key": "dev-only-app-key"}
STAGE = {"postgres_password": "stage-Zq8v1kLm3PnR", "app_secret_key": "stage-Xk2mQ9wL0aBc"}
PROD = {"postgres_password": "prod-T7hY4uJ2kW9s", "app_secret_key": "prod-Lm5nB8vC1xZq"}

CLEAN_COMPOSE = {
    "services": {
        "postgres": {"image": "assistant/postgres:17"},
        "nginx": {"image": "assistant/nginx:1.26", "ports": [{"target": 8080, "published": 80}]},
        "api": {"image": "assistant/app:0.1.0", "command": ["assistant", "api"]},
    }
}


def env(name, secrets, files=None, compose=None):
    return {"name": name, "secrets": dict(secrets), "files": files or [], "compose": compose}


def clean(name, secrets):
    return env(
        name,
        secrets,
        files=[
            {
                "path": f"env/{name}/app.env",
                "content": f"APP_ENV={name}\nDEV_RELOAD=0\nLOG_LEVEL=INFO\n",
                "mode": "0644",
            },
            {
                "path": f"secrets/{name}/postgres_password.999",
                "content": secrets["postgres_password"],
                "mode": "0600",
                "secret": True,
            },
        ],
        compose=CLEAN_COMPOSE,
    )


def assert_no_value(problems, *values):
    """No message may ever contain a secret's value."""
    text = " ".join(problems)
    for value in values:
        assert value not in text


def test_three_clean_environments_pass():
    assert check([clean("dev", DEV), clean("stage", STAGE), clean("prod", PROD)]) == []


def test_secret_of_one_environment_in_another_files_fails():
    prod = clean("prod", PROD)
    prod["files"][0]["content"] += f"EXTRA={STAGE['app_secret_key']}\n"
    problems = check([clean("stage", STAGE), prod])
    assert len(problems) == 1
    assert problems[0].startswith(
        "prod: env/prod/app.env holds the value of stage's secret compose_secrets.app_secret_key"
    )
    assert_no_value(problems, *STAGE.values(), *PROD.values())


def test_own_secret_in_a_config_file_fails():
    dev = clean("dev", DEV)
    dev["files"][0]["content"] += f"POSTGRES_PASSWORD={DEV['postgres_password']}\n"
    problems = check([dev])
    assert problems == [
        "dev: env/dev/app.env holds the value of compose_secrets.postgres_password; secrets belong in secret files "
        "referenced by *_FILE variables, never in compose or env files.",
        "dev: env/dev/app.env holds secrets and is readable by others than its owner (mode 0644); expected 0600.",
    ]


# ("placeholder" and "password" are placeholders too, see test_is_placeholder, but they
# are words of the message itself, so the no-value assertion cannot apply to them.)
@pytest.mark.parametrize(
    "value", ["changeme", "CHANGEME-later", "<prod password>", "xxxxxx", "{{ vault_x }}", "Replace-Me-Now"]
)
def test_placeholder_in_prod_fails(value):
    problems = check([clean("prod", dict(PROD, postgres_password=value))])
    assert any(p.startswith("prod: compose_secrets.postgres_password holds a placeholder") for p in problems)
    assert_no_value(problems, value)


def test_placeholder_in_dev_is_allowed():
    assert check([clean("dev", {**DEV, "postgres_password": "changeme"})]) == []


@pytest.mark.parametrize(
    ("envs", "value"),
    [
        # The dev marker alone, no dev inventory given (the role's own check).
        ([("stage", {"postgres_password": "dev-only-postgres-password"})], "dev-only-postgres-password"),
        # A dev value without the marker, caught because dev is checked too.
        (
            [("dev", {"postgres_password": "local-laptop-pw"}), ("stage", {"postgres_password": "local-laptop-pw"})],
            "local-laptop-pw",
        ),
    ],
)
def test_dev_default_in_stage_fails(envs, value):
    problems = check([env(n, s) for n, s in envs])
    assert "stage: compose_secrets.postgres_password holds a dev default" in problems[0]
    assert_no_value(problems, value)


def test_stage_and_prod_sharing_a_value_fails():
    problems = check([env("stage", STAGE), env("prod", dict(PROD, app_secret_key=STAGE["app_secret_key"]))])
    assert problems == [
        "prod: compose_secrets.app_secret_key has the same value as stage's compose_secrets.app_secret_key; "
        "expected a different secret per environment."
    ]


@pytest.mark.parametrize("service", ["postgres", "redis"])
def test_prod_publishing_a_data_service_fails(service):
    compose = {
        "services": {service: {"image": f"assistant/{service}:1", "ports": [{"target": 5432, "published": 5432}]}}
    }
    problems = check([env("prod", PROD, files=[{"path": "docker-compose.prod.yml", "content": ""}], compose=compose)])
    assert problems == [
        f"prod: docker-compose.prod.yml publishes service '{service}' (ports, variable compose_ports.{service}); "
        f"prod must not publish PostgreSQL or Redis. Remove compose_ports.{service} from inventories/prod."
    ]


def test_dev_may_publish_a_data_service():
    compose = {"services": {"postgres": {"image": "assistant/postgres:17", "ports": ["127.0.0.1:5432:5432"]}}}
    assert check([env("dev", DEV, compose=compose)]) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("DEV_RELOAD=1", "stage: env/stage/app.env sets DEV_RELOAD, which enables hot reload"),
        ("DEV_RELOAD=true", "stage: env/stage/app.env sets DEV_RELOAD, which enables hot reload"),
        ("LOG_LEVEL=DEBUG", "stage: env/stage/app.env sets LOG_LEVEL, which enables debug logging"),
        ("DEBUG=yes", "stage: env/stage/app.env sets DEBUG, which enables debug mode"),
    ],
)
def test_reload_or_debug_in_stage_env_file_fails(line, expected):
    files = [{"path": "env/stage/app.env", "content": f"APP_ENV=stage\n{line}\n", "mode": "0644"}]
    problems = check([env("stage", STAGE, files=files)])
    assert len(problems) == 1 and problems[0].startswith(expected)


def test_reload_in_stage_compose_fails():
    compose = {
        "services": {
            "api": {
                "command": ["uvicorn", "x:app", "--reload"],
                "environment": {"DEV_RELOAD": "1"},
                "volumes": [{"type": "bind", "source": "../app/src", "target": "/src/src"}],
            }
        }
    }
    problems = check(
        [env("stage", STAGE, files=[{"path": "docker-compose.stage.yml", "content": ""}], compose=compose)]
    )
    assert [p.split(";")[0] for p in problems] == [
        "stage: docker-compose.stage.yml service 'api' sets DEV_RELOAD, which enables hot reload (compose_dev_reload)",
        "stage: docker-compose.stage.yml service 'api' runs with --reload",
        "stage: docker-compose.stage.yml service 'api' mounts source code at /src/src "
        "(hot reload, variable compose_app_source_dir)",
    ]


def test_reload_in_dev_is_allowed():
    files = [{"path": "env/dev/app.env", "content": "DEV_RELOAD=1\nLOG_LEVEL=DEBUG\n", "mode": "0644"}]
    assert check([env("dev", DEV, files=files)]) == []


@pytest.mark.parametrize(
    ("mode", "ok"), [("0600", True), ("0400", True), ("0640", False), ("0644", False), ("0604", False)]
)
def test_secret_file_mode(mode, ok):
    files = [
        {"path": "secrets/prod/app_secret_key.10001", "content": PROD["app_secret_key"], "mode": mode, "secret": True}
    ]
    problems = check([env("prod", PROD, files=files)])
    assert (problems == []) is ok
    assert is_secret_mode_ok(mode) is ok
    if not ok:
        assert problems == [
            "prod: secrets/prod/app_secret_key.10001 holds secrets and is readable by others than its owner "
            f"(mode {mode}); expected 0600."
        ]


def test_short_secret_in_prod_fails_and_is_not_searched_in_files():
    files = [{"path": "env/prod/app.env", "content": "POSTGRES_PORT=5432\n", "mode": "0644"}]
    problems = check([env("prod", {"postgres_password": "5432"}, files=files)])
    assert problems == [
        "prod: compose_secrets.postgres_password is too short (4 characters); expected at least 12 random characters "
        "from Ansible Vault."
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("changeme", True),
        ("<x>", True),
        ("xXx", True),
        ("placeholder", True),
        ("password", True),
        ("prod-T7hY4uJ2kW9s", False),
        ("Secret", True),
        ("secretive-value", False),
    ],
)
def test_is_placeholder(value, expected):
    assert is_placeholder(value) is expected


def test_parse_env_file():
    assert parse_env_file("# c\n\nA=1\nB = 'x=y'\nnot a pair\n") == [("A", "1"), ("B", "x=y")]

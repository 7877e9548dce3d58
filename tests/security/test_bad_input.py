"""Bad input is refused before anything changes, by every role, against the live fault-test stack.

Each case runs the role's real playbook with the fault-test overrides plus one bad value. It must
fail with a message that names the variable and what is accepted, and the stack's files, deploy
state, the engine's daemon.json, the images manifest and the project's containers must be exactly
as before. tests/compose/test_bad_input.py covers the compose role alone (rendering only); the
cases here go through the whole deploy path against the live stack.

Cost: most of a case is ansible-playbook's start. The playbooks that target the docker_hosts group
(the deploy and the engine's) therefore take their cases in one run each, every case an inventory
host of its own (connection local) whose host variables are the overrides plus its one bad value:
each host fails or passes on its own, and is judged by its own results (JSON callback). "Nothing
changed" is checked around the whole run; when something did change, each case of the run is
run again alone to name the one that changed it. The other playbooks (hosts: localhost, or role
parameters that host variables cannot override) run once per case with -e, as before.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from faultsuite import FILES, REPO, ansible_playbook, container_state, flat, tree_checksums

DEPLOY = str(FILES / "deploy.yml")
ENGINE = "playbooks/engine.yml"
BUILD = "playbooks/build.yml"
REGISTRY = "playbooks/registry.yml"
IMAGES = "playbooks/images.yml"
# Placeholder-free, long enough values for the cases that need the other secrets valid.
REGISTRY_PASSWORD = "rg-Vt7nK2qX9mWs4"  # noqa: S105 (a test value, checked never to be printed)
GOOD_SECRETS = {
    "postgres_password": "st-Pq4mX8vN2kLw7Rz",
    "redis_password": "st-Jc6tB1nH9sQe3Ym",
    "app_secret_key": "st-Wd2fK7pL5xVa8Ng3Tc",
    "twilio_auth_token": "st-Gh9rM3zD6bYu1Ks",
}
STAGE = {"compose_env": "stage", "compose_dev_reload": False, "compose_log_level": "INFO"}
PROD = {"compose_env": "prod", "compose_dev_reload": False, "compose_log_level": "INFO"}
# Playbooks whose cases run together, one inventory host per case (see the module's docstring).
BATCHED = (DEPLOY, ENGINE)
# A case's host: the dev inventory's localhost, under the case's name.
CASE_HOST = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}

# (id, playbook, bad variables, variable named in the message, what the message says is accepted)
CASES = [
    # compose: types, sizes, URLs, images, ports, environments
    (
        "compose-duplicate-host-port",
        DEPLOY,
        {
            "compose_ports": {
                "nginx": [{"target": 8080, "published": 28580, "host_ip": "127.0.0.1"}],
                "api": [{"target": 8000, "published": 28580, "host_ip": "127.0.0.1"}],
            }
        },
        "compose_ports",
        "28580",
    ),
    (
        "compose-image-tag-illegal",
        DEPLOY,
        {
            "compose_images": {
                "app": "assistant/app-dev:dev tag!",
                "postgres": "assistant/postgres:17",
                "redis": "assistant/redis:8",
                "nginx": "assistant/nginx:1.26",
            }
        },
        "compose_images",
        "tag",
    ),
    ("compose-sms-url-not-url", DEPLOY, {"compose_sms_public_url": "not a url"}, "compose_sms_public_url", "http"),
    (
        "compose-worker-concurrency-type",
        DEPLOY,
        {"compose_worker_concurrency": "many"},
        "compose_worker_concurrency",
        "int",
    ),
    ("compose-monitoring-choice", DEPLOY, {"compose_monitoring": "sometimes"}, "compose_monitoring", "profile"),
    (
        "compose-pids-zero",
        DEPLOY,
        {"compose_resources": {"api": {"pids": 0}}},
        "compose_resources.api.pids",
        "at least 1",
    ),
    (
        "compose-cpus-negative",
        DEPLOY,
        {"compose_resources": {"worker": {"cpus": "-1"}}},
        "compose_resources.worker.cpus",
        "above 0",
    ),
    (
        "compose-port-zero-target",
        DEPLOY,
        {"compose_ports": {"sms": [{"target": 0, "published": 28503, "host_ip": "127.0.0.1"}]}},
        "compose_ports.sms[0].target",
        "1 to 65535",
    ),
    (
        "compose-unknown-service-port",
        DEPLOY,
        {"compose_ports": {"mongodb": [{"target": 27017, "published": 27017}]}},
        "compose_ports.mongodb",
        "expected one of",
    ),
    (
        "stage-missing-secrets",
        DEPLOY,
        {**STAGE, "compose_secrets": {}},
        "compose_secrets.postgres_password",
        "non-empty string",
    ),
    (
        "stage-placeholder-secret",
        DEPLOY,
        {**STAGE, "compose_secrets": {**GOOD_SECRETS, "redis_password": "<stage Redis password>"}},
        "compose_secrets.redis_password",
        "placeholder",
    ),
    ("compose-log-max-file-type", DEPLOY, {"compose_log_max_file": "three"}, "compose_log_max_file", "int"),
    ("compose-unknown-environment", DEPLOY, {"compose_env": "qa"}, "compose_env", "dev, stage, prod"),
    (
        "compose-published-port-out-of-range",
        DEPLOY,
        {"compose_ports": {"nginx": [{"target": 8080, "published": 70000, "host_ip": "127.0.0.1"}]}},
        "compose_ports.nginx[0].published",
        "1 to 65535",
    ),
    (
        "compose-memory-not-a-size",
        DEPLOY,
        {"compose_resources": {"api": {"memory": "lots"}}},
        "compose_resources.api.memory",
        "optional unit",
    ),
    (
        "prod-missing-secret",
        DEPLOY,
        {**PROD, "compose_secrets": {k: v for k, v in GOOD_SECRETS.items() if k != "twilio_auth_token"}},
        "compose_secrets.twilio_auth_token",
        "non-empty string",
    ),
    (
        "prod-placeholder-secret",
        DEPLOY,
        {**PROD, "compose_secrets": {**GOOD_SECRETS, "postgres_password": "changeme"}},
        "compose_secrets.postgres_password",
        "placeholder",
    ),
    # compose: values that land in env, config and compose files (#17: refused before any change)
    (
        "compose-postgres-db-trailing-newline",
        DEPLOY,
        {"compose_postgres_db": "assistant\n"},
        "compose_postgres_db",
        "a PostgreSQL name",
    ),
    (
        "compose-postgres-user-capitals-space",
        DEPLOY,
        {"compose_postgres_user": "Assistant User"},
        "compose_postgres_user",
        "lowercase letters, digits and _",
    ),
    (
        "compose-sms-url-trailing-newline",
        DEPLOY,
        {"compose_sms_public_url": "http://127.0.0.1:28580\n"},
        "compose_sms_public_url",
        "contains a line feed",
    ),
    (
        "compose-sms-number-line-break-injects-setting",
        DEPLOY,
        {"compose_sms_numbers": {"+15550001": "alice\nDEV_RELOAD=1"}},
        "compose_sms_numbers.+15550001",
        "letters, digits and . _ @ -",
    ),
    (
        "compose-sms-number-not-e164",
        DEPLOY,
        {"compose_sms_numbers": {"5550001": "alice"}},
        "compose_sms_numbers key",
        "E.164",
    ),
    (
        "compose-host-ip-not-an-address",
        DEPLOY,
        {
            "compose_ports": {
                "nginx": [{"target": 8080, "published": 28580, "host_ip": "127.0.0.1"}],
                "api": [{"target": 8000, "published": 28500, "host_ip": "localhost"}],
                "sms": [{"target": 8003, "published": 28503, "host_ip": "127.0.0.1"}],
            }
        },
        "compose_ports.api[0].host_ip",
        "IPv4 or IPv6 address",
    ),
    (
        "compose-host-ip-key-misspelt",
        DEPLOY,
        {
            "compose_ports": {
                "nginx": [{"target": 8080, "published": 28580, "host_ip": "127.0.0.1"}],
                "api": [{"target": 8000, "published": 28500, "hostip": "127.0.0.1"}],
                "sms": [{"target": 8003, "published": 28503, "host_ip": "127.0.0.1"}],
            }
        },
        "compose_ports.api[0].hostip",
        "would publish on every interface",
    ),
    (
        "compose-healthcheck-interval-in-words",
        DEPLOY,
        {
            "compose_healthcheck": {
                "interval": "ten seconds",
                "timeout": "10s",
                "retries": 3,
                "start_period": "60s",
                "start_interval": "1s",
            }
        },
        "compose_healthcheck.interval",
        "a Compose duration",
    ),
    (
        "compose-log-size-in-words",
        DEPLOY,
        {"compose_log_max_size": "10 megabytes"},
        "compose_log_max_size",
        "unit b, k, m or g",
    ),
    (
        "compose-image-trailing-newline",
        DEPLOY,
        {
            "compose_images": {
                "app": "assistant/app-dev:dev\n",
                "postgres": "assistant/postgres:17",
                "redis": "assistant/redis:8",
                "nginx": "assistant/nginx:1.26",
            }
        },
        "compose_images.app",
        "nothing around it",
    ),
    (
        "compose-replicas-too-many",
        DEPLOY,
        {"compose_replicas": {"worker": 1000}},
        "compose_replicas.worker",
        "1 to 100",
    ),
    (
        "compose-worker-concurrency-zero",
        DEPLOY,
        {"compose_worker_concurrency": 0},
        "compose_worker_concurrency",
        "1 to 64",
    ),
    (
        "compose-reservation-above-limit",
        DEPLOY,
        {"compose_resources": {"api": {"memory": "128m", "reserve_memory": "256m"}}},
        "compose_resources.api.reserve_memory",
        "no larger than",
    ),
    (
        "compose-seed-title-block-scalar",
        DEPLOY,
        {"compose_seed_notes": [{"title": "Welcome\n", "body": "Seeded."}]},
        "compose_seed_notes[0].title",
        "a single line",
    ),
    (
        "compose-otel-endpoint-no-scheme",
        DEPLOY,
        {"compose_otel_endpoint": "jaeger:4318"},
        "compose_otel_endpoint",
        "http://",
    ),
    ("compose-update-delay-in-words", DEPLOY, {"compose_update_delay": "10 seconds"}, "compose_update_delay", "1m30s"),
    (
        "stage-secret-trailing-newline",
        DEPLOY,
        {**STAGE, "compose_secrets": {**GOOD_SECRETS, "postgres_password": GOOD_SECRETS["postgres_password"] + "\n"}},
        "compose_secrets.postgres_password",
        "without control characters",
    ),
    (
        "compose-app-source-missing",
        DEPLOY,
        {"compose_app_source_dir": "/nonexistent/app/src"},
        "compose_app_source_dir",
        "the app's source directory",
    ),
    # proxy (nginx.conf)
    (
        "proxy-location-trailing-newline",
        DEPLOY,
        {
            "proxy_routes": [
                {
                    "name": "sms",
                    "location": "/sms/\n",
                    "upstream": "sms:8003",
                    "rate": 20,
                    "burst": 40,
                    "max_body_size": "64k",
                },
                {
                    "name": "api",
                    "location": "/",
                    "upstream": "api:8000",
                    "rate": 50,
                    "burst": 100,
                    "max_body_size": "1m",
                },
            ]
        },
        "proxy_routes[0].location",
        "a path prefix starting with /",
    ),
    (
        "proxy-upstream-port-out-of-range",
        DEPLOY,
        {
            "proxy_routes": [
                {
                    "name": "sms",
                    "location": "/sms/",
                    "upstream": "sms:80030",
                    "rate": 20,
                    "burst": 40,
                    "max_body_size": "64k",
                },
                {
                    "name": "api",
                    "location": "/",
                    "upstream": "api:8000",
                    "rate": 50,
                    "burst": 100,
                    "max_body_size": "1m",
                },
            ]
        },
        "proxy_routes[0].upstream",
        "1 to 65535",
    ),
    (
        "proxy-server-name-directive",
        DEPLOY,
        {"proxy_server_name": "example.com; return 200"},
        "proxy_server_name",
        "host names",
    ),
    ("proxy-connect-timeout-too-long", DEPLOY, {"proxy_connect_timeout": 300}, "proxy_connect_timeout", "1 to 75"),
    (
        "proxy-extra-config-windows-line-ends",
        DEPLOY,
        {"proxy_extra_server_config": "add_header X-Test 1;\r\n"},
        "proxy_extra_server_config",
        "no carriage return",
    ),
    (
        "proxy-header-value-line-break",
        DEPLOY,
        {"proxy_security_headers": {"X-Frame-Options": "DENY\nX-Injected: 1"}},
        "proxy_security_headers.X-Frame-Options",
        "without control characters",
    ),
    # monitoring (Prometheus rules and configuration)
    (
        "monitoring-duration-in-words",
        DEPLOY,
        {"monitoring_alert_down_for": "one minute"},
        "monitoring_alert_down_for",
        "a Prometheus duration",
    ),
    (
        "monitoring-queue-key-promql",
        DEPLOY,
        {"monitoring_queue_key": 'celery"} or vector(1)'},
        "monitoring_queue_key",
        "a Redis key",
    ),
    (
        "monitoring-scrape-interval-zero",
        DEPLOY,
        {"monitoring_scrape_interval": "0s"},
        "monitoring_scrape_interval",
        "above 0",
    ),
    # deploy
    ("deploy-lock-ttl-too-short", DEPLOY, {"deploy_lock_ttl": 10}, "deploy_lock_ttl", "at least 60"),
    ("deploy-keep-releases-zero", DEPLOY, {"deploy_keep_releases": 0}, "deploy_keep_releases", "at least 1"),
    ("deploy-rollback-to-garbage", DEPLOY, {"deploy_rollback_to": "yesterday"}, "deploy_rollback_to", "previous"),
    ("deploy-health-timeout-type", DEPLOY, {"deploy_health_timeout": "forever"}, "deploy_health_timeout", "int"),
    (
        "compose-project-name-not-compose",
        DEPLOY,
        {"compose_project_name": "Assistant Dev!"},
        "deploy_project_name",
        "Compose project name",
    ),
    (
        "compose-project-name-path",
        DEPLOY,
        {"compose_project_name": "../../etc"},
        "deploy_project_name",
        "Compose project name",
    ),
    (
        "deploy-endpoint-file-url",
        DEPLOY,
        {"deploy_endpoints": [{"service": "api", "url": "file:///etc/passwd"}]},
        "deploy_endpoints[0].url",
        "http or https",
    ),
    (
        "redis-persistence-evicts-the-queue",
        DEPLOY,
        {
            "compose_redis_persistence": {
                "appendonly": "yes",
                "appendfsync": "always",
                "maxmemory": "128mb",
                "maxmemory-policy": "allkeys-lru",
            }
        },
        "compose_redis_persistence.maxmemory-policy",
        "noeviction",
    ),
    (
        "deploy-disk-size-unavailable",
        DEPLOY,
        {"deploy_min_free_disk_mb": 10**12},
        "deploy_min_free_disk_mb",
        "Free space",
    ),
    # docker_engine (in check mode: an accepted bad value must never restart the shared engine)
    ("engine-log-max-file-zero", ENGINE, {"docker_engine_log_max_file": 0}, "docker_engine_log_max_file", "1 to 100"),
    (
        "engine-address-pool-not-cidr",
        ENGINE,
        {"docker_engine_address_pools": [{"base": "300.1.0.0/16", "size": 24}]},
        "docker_engine_address_pools",
        "IPv4 CIDR",
    ),
    (
        "engine-insecure-registry-scheme",
        ENGINE,
        {"docker_engine_insecure_registries": ["http://reg.example:5000"]},
        "docker_engine_insecure_registries",
        "no scheme",
    ),
    (
        "engine-service-manager-choice",
        ENGINE,
        {"docker_engine_service_manager": "openrc"},
        "docker_engine_service_manager",
        "systemd",
    ),
    # image_build
    ("build-unknown-gate", BUILD, {"image_build_gates": ["trivy"]}, "image_build_gates", "hadolint"),
    (
        "build-environment-illegal-tag",
        BUILD,
        {"image_build_environment": "Prod Env!"},
        "image_build_environment",
        "valid tag",
    ),
    # registry
    (
        "registry-url-not-host-port",
        REGISTRY,
        {"registry_address": "https://registry.example:5000/v2"},
        "registry_address",
        "without a scheme",
    ),
    ("registry-port-out-of-range", REGISTRY, {"registry_port": 70000}, "registry_port", "TCP port"),
    ("registry-password-short", REGISTRY, {"registry_password": "short"}, "registry_password", "at least 12"),
    # offline_images
    ("images-unknown-image", IMAGES, {"offline_images_wanted": ["mongodb"]}, "offline_images_wanted", "catalog"),
    (
        "images-mirror-url-scheme",
        IMAGES,
        {"offline_images_mirror": "https://mirror.example:5000"},
        "offline_images_mirror",
        "no scheme",
    ),
    ("images-pull-timeout-zero", IMAGES, {"offline_images_pull_timeout": 0}, "offline_images_pull_timeout", "positive"),
]


@pytest.fixture(scope="module")
def guard(stack, tmp_path_factory):
    """Everything a refused bad input must leave alone, and safe places for roles that accept one."""
    scratch = tmp_path_factory.mktemp("badinput")
    safe = {
        # If a role wrongly accepted a bad value, it works here, not on shared state.
        "registry_container_name": "faulttest-registry",
        "registry_volume_name": "faulttest-registry-data",
        "registry_state_dir": str(scratch / "registry"),
        "registry_password": REGISTRY_PASSWORD,
        "registry_bind_address": "127.0.0.1",
        "registry_port": 28550,
        "offline_images_state_dir": str(scratch / "offline_images"),
        "offline_images_manifest_controller_path": "",
        "image_build_repository": "faulttest/app",
        "image_build_work_dir": str(scratch / "image_build"),
    }
    safe_file = scratch / "safe.json"
    safe_file.write_text(json.dumps(safe))
    watched = [
        stack.project_dir,
        stack.state_dir,
        Path("/etc/docker/daemon.json"),
        Path("/var/lib/assistant/offline_images/images.json"),
        scratch / "registry",
        scratch / "offline_images",
        REPO / ".cache" / "images.json",
    ]
    return {"scratch": scratch, "safe": safe_file, "watched": watched}


def test_enough_distinct_cases():
    assert len({c[0] for c in CASES}) == len(CASES) >= 60
    assert len({json.dumps(c[2], sort_keys=True) for c in CASES}) == len(CASES)


@dataclass
class Outcome:
    """One case's result: did its host (or its own run) fail, with what, and did anything change."""

    failed: bool
    output: str  # what was said about this case: its failed results, or its own run's output
    unchanged: bool
    seconds: float
    run: str
    printed: str = ""  # everything the run printed, for every case in it


def snapshot(guard) -> tuple:
    return tree_checksums(*guard["watched"]), container_state()


def run_alone(stack, guard, tmp_path: Path, case: str, playbook: str, bad: dict) -> Outcome:
    """The case in an ansible-playbook run of its own, its bad value as an extra variable."""
    bad_file = tmp_path / f"{case}.json"
    bad_file.write_text(json.dumps(bad))
    args = ["-i", "inventories/dev", playbook, "-e", f"@{stack.vars_file}", "-e", f"@{guard['safe']}"]
    args += ["-e", f"@{bad_file}", *(["--check"] if playbook == ENGINE else [])]
    before = snapshot(guard)
    start = time.monotonic()
    result = ansible_playbook(*args, timeout=600)
    seconds = time.monotonic() - start
    output = result.stdout + result.stderr
    return Outcome(result.returncode != 0, output, snapshot(guard) == before, seconds, "own run", output)


def run_batch(stack, guard, tmp_path: Path, playbook: str, cases: list[tuple]) -> dict[str, Outcome]:
    """All the cases of one playbook in one run, one inventory host each; judged host by host."""
    base = {**json.loads(stack.vars_file.read_text()), **json.loads(guard["safe"].read_text())}
    hosts = {case: {**CASE_HOST, **base, **bad} for case, _, bad, _, _ in cases}
    inventory = tmp_path / f"{Path(playbook).stem}-cases.json"
    inventory.write_text(json.dumps({"all": {"children": {"docker_hosts": {"hosts": hosts}}}}))
    args = ["-i", "inventories/dev", "-i", str(inventory), "--limit", ",".join(hosts), playbook]
    args += ["--check"] if playbook == ENGINE else []
    # JSON results to tell the hosts apart; facts of the case hosts kept out of the repository's cache.
    env = {
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(tmp_path / "facts"),
    }
    before = snapshot(guard)
    start = time.monotonic()
    result = ansible_playbook(*args, timeout=900, env=env)
    seconds = time.monotonic() - start
    unchanged = snapshot(guard) == before
    try:
        # The JSON document starts on a line of its own; ansible.cfg's profile_tasks prints lines around it.
        text = "\n" + result.stdout
        data, _ = json.JSONDecoder().raw_decode(text[text.index("\n{") + 1 :])
    except ValueError:
        pytest.fail(
            f"{playbook}: no JSON results (rc {result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    label = f"{Path(playbook).name}, {len(hosts)} cases"
    outcomes = {}
    for case in hosts:
        stats = data.get("stats", {}).get(case, {})
        results = [t["hosts"][case] for play in data["plays"] for t in play["tasks"] if case in t["hosts"]]
        failed = bool(stats.get("failures") or stats.get("unreachable"))
        text = "\n".join(json.dumps(r) for r in results if r.get("failed") or r.get("unreachable"))
        text = text if stats else f"host {case} is not in the run's results: {result.stderr[-2000:]}"
        outcomes[case] = Outcome(failed, text, unchanged, seconds, label, result.stdout + result.stderr)
    if not unchanged:
        # Something changed: run each case alone to find out which.
        for case, pb, bad, _, _ in cases:
            outcomes[case] = run_alone(stack, guard, tmp_path, case, pb, bad)
    return outcomes


@pytest.fixture(scope="module")
def outcomes(stack, guard, tmp_path_factory):
    """Each case's outcome, its run started on first use (a batch runs all its cases at once)."""
    tmp = tmp_path_factory.mktemp("badruns")
    done: dict[str, Outcome] = {}

    def get(case: str) -> Outcome:
        if case not in done:
            playbook = next(c[1] for c in CASES if c[0] == case)
            if playbook in BATCHED:
                done.update(run_batch(stack, guard, tmp, playbook, [c for c in CASES if c[1] == playbook]))
            else:
                done[case] = run_alone(stack, guard, tmp, case, playbook, next(c[2] for c in CASES if c[0] == case))
        return done[case]

    return get


@pytest.mark.parametrize(("case", "playbook", "bad", "variable", "accepted"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_changes_nothing(outcomes, report, case, playbook, bad, variable, accepted):
    got = outcomes(case)
    output = flat(got.output)
    refused = got.failed and variable in output and accepted in output
    report.bad_input(case, variable, refused, got.unchanged, got.seconds, got.run)
    assert got.failed, f"{case} ({Path(playbook).name}): accepted bad input {bad}; tail:\n{got.output[-2500:]}"
    assert variable in output, f"{case}: the message does not name {variable}:\n{got.output[-2500:]}"
    assert accepted in output, (
        f"{case}: the message does not say what is accepted ({accepted!r}):\n{got.output[-2500:]}"
    )
    assert got.unchanged, f"{case}: a file or a container changed although the input was refused"
    for secret in [REGISTRY_PASSWORD, *GOOD_SECRETS.values()]:
        assert secret not in got.printed, f"{case}: a secret value was printed ({got.run})"

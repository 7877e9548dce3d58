"""The committed docker/ files: equal to what the role renders, accepted by Docker, and as the issue asks."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import ENVIRONMENTS, REPO, ansible_playbook, docker

DOCKER_DIR = REPO / "docker"
# Long-running services whose official image has no tool a health check could run (FROM scratch).
NO_HEALTHCHECK = {"redis_exporter"}
# What only our old look-alike images had: a compose file using it fails with the official images.
LOOK_ALIKE_ONLY = ("http-probe", "healthcheck.sh", "REDIS_PASSWORD_FILE")


def committed_files() -> dict[str, str]:
    files = {p.name: p.read_text() for p in DOCKER_DIR.glob("docker-compose.*.yml")}
    env_files = (p for p in (DOCKER_DIR / "env").rglob("*") if p.is_file())
    files.update({str(p.relative_to(DOCKER_DIR)): p.read_text() for p in env_files})
    return files


def test_committed_files_match_the_role(rendered):
    fresh = {str(p.relative_to(rendered)): p.read_text() for p in rendered.rglob("*") if p.is_file()}
    committed = committed_files()
    assert sorted(fresh) == sorted(committed), (
        "docker/ does not hold exactly the files the compose role renders. "
        f"Missing: {sorted(set(fresh) - set(committed))}; extra: {sorted(set(committed) - set(fresh))}. "
        "Regenerate with: make compose-files"
    )
    stale = [name for name in sorted(fresh) if fresh[name] != committed[name]]
    assert not stale, f"docker/ differs from what the role renders in {stale}. Regenerate with: make compose-files"


def test_rendering_is_deterministic(rendered, tmp_path):
    """A second rendering is byte-identical (no timestamps, no host paths), or the drift check means nothing."""
    result = ansible_playbook("playbooks/compose_files.yml", "-e", f"compose_files_dir={tmp_path}")
    assert result.returncode == 0, result.stdout[-3000:]
    for path in rendered.rglob("*"):
        if path.is_file():
            assert (tmp_path / path.relative_to(rendered)).read_text() == path.read_text(), path


def compose_config(env: str) -> dict:
    result = docker("compose", "-f", str(DOCKER_DIR / f"docker-compose.{env}.yml"), "config", "--format", "json")
    assert result.returncode == 0, f"docker compose config refused docker-compose.{env}.yml:\n{result.stderr}"
    return json.loads(result.stdout)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_docker_compose_config_accepts_and_hardens_every_service(env):
    doc = compose_config(env)
    services = doc["services"]
    for name, svc in services.items():
        where = f"{env}/{name}"
        job = svc.get("restart") == "no" or svc.get("deploy", {}).get("mode") == "replicated-job"
        if job or name in NO_HEALTHCHECK:
            assert svc["healthcheck"].get("disable") is True, where
        else:
            hc = svc["healthcheck"]
            assert hc["test"] and hc["start_interval"] and hc["start_period"], where
        assert svc["read_only"] is True, where
        assert svc["cap_drop"] == ["ALL"], where
        assert not svc.get("cap_add"), where
        assert "no-new-privileges:true" in svc["security_opt"], where
        assert not svc.get("privileged"), where
        assert svc["user"] and not svc["user"].startswith(("0:", "root")), where
        assert all("docker.sock" not in json.dumps(v) for v in svc.get("volumes", [])), where
        assert svc["logging"]["options"]["max-size"] and svc["logging"]["options"]["max-file"], where
        limits = svc["deploy"]["resources"]["limits"]
        assert limits["memory"] and limits["cpus"] and limits["pids"] >= 1, where
        # (Swarm ignores depends_on: the prod file lists the names only.)
        for dep, cond in (svc.get("depends_on") or {}).items() if env != "prod" else ():
            expected = "service_completed_successfully" if dep in ("migrate", "seed") else "service_healthy"
            assert cond["condition"] == expected, f"{where} -> {dep}"
        if env == "dev":
            assert all(p.get("host_ip") == "127.0.0.1" for p in svc.get("ports", [])), where
    for data in ("postgres", "redis"):
        assert services[data]["networks"].keys() == {"back"}
        assert not services[data].get("ports")
    assert doc["networks"]["back"]["internal"] is True
    assert "nginx" in services and services["nginx"]["networks"].keys() == {"front"}
    assert {"postgres_data", "redis_data"} <= doc["volumes"].keys()
    if env in ("stage", "prod"):
        assert [n for n, s in services.items() if s.get("ports")] == ["nginx"]
        assert all("/src" not in json.dumps(s.get("volumes", [])) for s in services.values())


def test_stage_is_production_like():
    stage, prod = compose_config("stage")["services"], compose_config("prod")["services"]
    for name in prod:
        for key in ("image", "user", "read_only", "cap_drop", "security_opt"):
            assert stage[name][key] == prod[name][key], f"{name}.{key}"
        assert stage[name]["deploy"]["resources"] == prod[name]["deploy"]["resources"], name
    assert "monitoring" not in json.dumps([s.get("profiles") for s in stage.values()])


def test_docker_stack_config_accepts_prod():
    result = docker("stack", "config", "--compose-file", str(DOCKER_DIR / "docker-compose.prod.yml"))
    assert result.returncode == 0, f"docker stack config refused docker-compose.prod.yml:\n{result.stderr}"
    doc = yaml.safe_load(result.stdout)
    services = doc["services"]
    for name in ("api", "agent", "sms", "worker"):
        deploy = services[name]["deploy"]
        assert deploy["replicas"] >= 2, name
        assert deploy["update_config"]["order"] == "start-first", name
        assert deploy["update_config"]["failure_action"] == "rollback", name
        assert deploy["update_config"]["monitor"], name
        assert deploy["rollback_config"], name
        assert deploy["resources"]["reservations"] and deploy["resources"]["limits"], name
        assert deploy["placement"]["constraints"], name
    assert all(s["deploy"]["endpoint_mode"] == "dnsrr" for s in services.values())
    assert [n for n, s in services.items() if s.get("ports")] == ["nginx"]
    assert all(p["mode"] == "host" for p in services["nginx"]["ports"])
    # Host-mode ports, one task per node: the new nginx task can only start where the old one stopped.
    # Data services: two tasks must never share a volume.
    for name in ("nginx", "postgres", "redis"):
        assert services[name]["deploy"]["update_config"]["order"] == "stop-first", name
        assert services[name]["deploy"]["rollback_config"]["order"] == "stop-first", name
    assert all(s.get("external") for s in doc["secrets"].values())
    assert services["migrate"]["deploy"]["mode"] == "replicated-job"


def test_no_secret_value_in_committed_files():
    """The vaults' and dev's values appear nowhere in docker/ (the isolation module checks this in depth)."""
    dev = yaml.safe_load((REPO / "inventories/dev/group_vars/all/secrets.yml").read_text())["compose_secrets"]
    text = "\n".join(committed_files().values())
    for name, value in dev.items():
        assert value not in text, f"dev's {name} is written in docker/"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_only_what_the_official_images_offer(env):
    """Health checks and secrets use the official images' tools and variables (roles/offline_images/README.md)."""
    text = (DOCKER_DIR / f"docker-compose.{env}.yml").read_text()
    assert not [word for word in LOOK_ALIKE_ONLY if word in text], f"docker-compose.{env}.yml"
    services = compose_config(env)["services"]
    tests = {name: svc["healthcheck"].get("test") or [] for name, svc in services.items()}
    assert tests["postgres"][:2] == ["CMD", "pg_isready"] and "127.0.0.1" in tests["postgres"]
    assert tests["redis"][0] == "CMD-SHELL" and "REDISCLI_AUTH" in tests["redis"][1] and "PONG" in tests["redis"][1]
    assert tests["nginx"][:2] == ["CMD", "curl"]
    for busybox in ("prometheus", "node_exporter", "postgres_exporter"):
        if busybox in services:
            assert tests[busybox][:4] == ["CMD", "wget", "-q", "--spider"], busybox
    assert "environment" not in services["redis"], "the official redis image reads no password variable"
    assert services["redis"]["command"] == ["redis-server", "/run/secrets/redis_conf"]
    if "redis_exporter" in services:
        assert services["redis_exporter"]["user"] == "59000:59000"
        assert "--redis.password-file=/run/secrets/redis_exporter_passwords" in services["redis_exporter"]["command"]

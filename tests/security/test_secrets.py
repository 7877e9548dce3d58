"""No secret value appears where it must not: committed files, other environments' renders, image
layers and history, container environments, Ansible output (default verbosity and -vvv).

Secret values come from the inventories: dev's secrets.yml (public on purpose, so allowed in that
file only) and the stage and prod vaults, decrypted with the vault password. No value is ever
printed: failures name the place and the secret's name.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from faultsuite import PROJECT, REPO, VAULT_PASSWORD_FILE, ansible_playbook, containers, docker, docker_cli

DEV_SECRETS_FILE = "inventories/dev/group_vars/all/secrets.yml"
CHUNK = 8 << 20
# Ansible output kept from one test for the output scan.
OUTPUTS: dict[str, str] = {}


def _leaves(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    elif value is not None and not isinstance(value, bool | int | float):
        yield path, str(value)


def _load_vault_file(path: Path) -> dict:
    """A group_vars file whose values are `!vault` strings, decrypted with the vault password."""
    from ansible.parsing.vault import VaultLib, VaultSecret

    vault = VaultLib([("default", VaultSecret(VAULT_PASSWORD_FILE.read_bytes().strip()))])

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!vault", lambda loader, node: vault.decrypt(loader.construct_scalar(node)).decode())
    return yaml.load(path.read_text(), Loader=Loader) or {}  # noqa: S506 (SafeLoader plus one tag)


@pytest.fixture(scope="module")
def secrets() -> dict[str, dict[str, bytes]]:
    """{env: {name: value}} of every secret the inventories hold (8+ characters, to avoid false hits)."""
    found: dict[str, dict[str, bytes]] = {}
    dev = yaml.safe_load((REPO / DEV_SECRETS_FILE).read_text())
    found["dev"] = {n: v.encode() for n, v in _leaves(dev) if len(v) >= 8}
    for env in ("stage", "prod"):
        vault = REPO / "inventories" / env / "group_vars" / "all" / "vault.yml"
        if vault.exists():
            found[env] = {n: v.encode() for n, v in _leaves(_load_vault_file(vault)) if len(v) >= 8}
    assert found["dev"] and found.get("prod"), "no secrets found to scan for"
    return found


def all_values(secrets, envs=None):
    return [(env, name, v) for env, vals in secrets.items() if envs is None or env in envs for name, v in vals.items()]


def hits_in(data: bytes, values) -> list[str]:
    return [f"{env}:{name}" for env, name, v in values if v in data]


def scan_stream(argv: list[str], values) -> tuple[int, list[str]]:
    """Scan a command's stdout in chunks that overlap by the longest secret, never holding it whole."""
    overlap = max(len(v) for _, _, v in values)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE)  # noqa: S603
    size, found, tail = 0, set(), b""
    assert proc.stdout is not None
    while chunk := proc.stdout.read(CHUNK):
        size += len(chunk)
        found.update(hits_in(tail + chunk, values))
        tail = chunk[-overlap:]
    assert proc.wait() == 0, f"{argv[:2]} failed"
    return size, sorted(found)


def test_committed_files(secrets, report):
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout  # noqa: S607
    paths = [p for p in files.decode().split("\0") if p]
    size, bad = 0, []
    for rel in paths:
        path = REPO / rel
        if not path.is_file():
            continue
        data = path.read_bytes()
        size += len(data)
        # Dev's values are public on purpose: in their own file, and in tests that prove they are refused.
        allowed = {"dev"} if rel == DEV_SECRETS_FILE or rel.startswith("tests/") or "/tests/unit/" in rel else set()
        bad += [f"{rel} ({h})" for h in hits_in(data, all_values(secrets)) if h.split(":")[0] not in allowed]
    report.scan("committed files (git ls-files)", len(paths), size, len(bad))
    assert not bad, f"secret values in committed files: {bad}"


def test_rendered_files_of_each_environment(secrets, report, tmp_path):
    """Each environment rendered afresh (with its secret files): no other environment's secret anywhere,
    and none of its own outside secrets/<env>/; the committed docker/ renders hold no secret at all."""
    result = ansible_playbook("playbooks/compose_files.yml", "-e", f"compose_files_dir={tmp_path}")
    assert result.returncode == 0, result.stdout[-3000:]
    OUTPUTS["compose_files default"] = result.stdout + result.stderr
    count, size, bad = 0, 0, []
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        rel = path.relative_to(tmp_path).as_posix()
        env = next((e for e in secrets if f"/{e}/" in f"/{rel}" or rel.endswith(f".{e}.yml")), None)
        data = path.read_bytes()
        count, size = count + 1, size + len(data)
        bad += [
            f"{rel} ({h})"
            for h in hits_in(data, all_values(secrets))
            if not (rel.startswith("secrets/") and h.startswith(f"{env}:"))
        ]
    committed = [p for p in (REPO / "docker").rglob("*") if p.is_file() and "secrets" not in p.parts]
    for path in committed:
        data = path.read_bytes()
        count, size = count + 1, size + len(data)
        bad += [f"docker/{path.relative_to(REPO / 'docker')} ({h})" for h in hits_in(data, all_values(secrets))]
    report.scan("rendered files of dev/stage/prod (fresh + docker/)", count, size, len(bad))
    assert not bad, f"secret values in rendered files: {bad}"


def test_image_layers_and_history(secrets, report):
    listing = docker("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout.split("\n")
    refs = {}
    for line in listing:
        if line.startswith(("assistant/", "assistant-")) and "<none>" not in line:
            ref, image_id = line.split()
            refs.setdefault(image_id, ref)
    assert refs, "no assistant/* image to scan; run make images and make build"
    values = all_values(secrets)
    size, bad = scan_stream([docker_cli(), "save", *refs.values()], values)
    report.scan("image layers (docker save of assistant/* images)", len(refs), size, len(bad), "images")
    history_bytes, history_bad = 0, []
    for ref in refs.values():
        out = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", ref).stdout.encode()
        history_bytes += len(out)
        history_bad += [f"{ref} ({h})" for h in hits_in(out, values)]
    report.scan("image history (docker history --no-trunc)", len(refs), history_bytes, len(history_bad), "images")
    assert not bad, f"secret values in image layers: {bad}"
    assert not history_bad, f"secret values in image history: {history_bad}"


@pytest.fixture(scope="module")
def prod_render(tmp_path_factory) -> tuple[Path, str]:
    """Prod's files rendered afresh from inventories/prod with the vault's secrets, at -vvv: (directory, output)."""
    root = tmp_path_factory.mktemp("prod")
    local = {"ansible_connection": "local", "ansible_python_interpreter": str(REPO / ".venv" / "bin" / "python")}
    overrides = {
        **local,
        "compose_project_dir": str(root),
        "compose_validate": False,
        "compose_images_manifest_path": "",
        # The committed prod vault is the test vault (playbooks/vault_check.yml).
        "deploy_allow_test_vault": True,
    }
    result = ansible_playbook("-i", "inventories/prod", "playbooks/render.yml", "-vvv", "-e", json.dumps(overrides))
    assert result.returncode == 0, f"render of prod failed:\n{result.stdout[-3000:]}"
    return root, result.stdout + result.stderr


def test_container_environment_has_files_not_secrets(stack, secrets, report, prod_render):
    found = containers()
    assert found, f"no container of {PROJECT}"
    env_bytes, bad, with_files = 0, [], 0
    for c in found:
        env = "\n".join(c["Config"]["Env"] or []).encode()
        env_bytes += len(env)
        bad += [f"{c['Name']} ({h})" for h in hits_in(env, all_values(secrets))]
        with_files += any(e.split("=")[0].endswith("_FILE") for e in c["Config"]["Env"] or [])
    report.scan(
        f"environment of the {PROJECT} containers (docker inspect)", len(found), env_bytes, len(bad), "containers"
    )
    assert not bad, f"secret values in container environments: {bad}"
    assert with_files, "no container reads a secret from a file (*_FILE)"
    # Prod's containers (a Swarm stack, not run here): the environment the engine is given for each
    # service, env files merged in, as Compose resolves the freshly rendered prod stack.
    root, _ = prod_render
    compose_file = str(root / "docker-compose.prod.yml")
    resolved = subprocess.run(  # noqa: S603
        [docker_cli(), "compose", "--project-directory", str(root), "-f", compose_file, "config", "--format", "json"],
        capture_output=True,
        check=False,
    )
    assert resolved.returncode == 0, resolved.stderr.decode()[-2000:]
    services = json.loads(resolved.stdout)["services"]
    env_bytes, bad, as_files = 0, [], 0
    for name, svc in services.items():
        env = "\n".join(f"{k}={v}" for k, v in (svc.get("environment") or {}).items()).encode()
        env_bytes += len(env)
        bad += [f"prod {name} ({h})" for h in hits_in(env, all_values(secrets))]
        given = {x["source"] for x in svc.get("secrets") or []}
        file_vars = [k for k in svc.get("environment") or {} if k.endswith("_FILE")]
        as_files += len(given)
        # A secret reaches the process as a file: a *_FILE variable names it, or the command does
        # (redis-server reads its configuration file; the official image has no password variable).
        command = " ".join(svc.get("entrypoint") or []) + " " + " ".join(svc.get("command") or [])
        assert not given or file_vars or "/run/secrets/" in command, (
            f"prod service {name} has secrets {sorted(given)} but no *_FILE variable"
            " and no /run/secrets/ path in its command"
        )
    report.scan(
        "environment of prod's containers (compose config of a fresh prod render)",
        len(services),
        env_bytes,
        len(bad),
        "services",
    )
    assert not bad, f"secret values in prod's container environments: {bad}"
    assert as_files, "no prod service takes a secret as a file"
    # The committed prod compose file gives every secret as a file too, never as an environment value.
    prod = yaml.safe_load((REPO / "docker" / "docker-compose.prod.yml").read_text())
    for name, svc in prod["services"].items():
        env = svc.get("environment") or {}
        keys = env if isinstance(env, dict) else [e.split("=")[0] for e in env]
        leaked = [k for k in keys if any(w in k for w in ("PASSWORD", "SECRET", "TOKEN")) and not k.endswith("_FILE")]
        assert not leaked, f"prod service {name} takes {leaked} from the environment"


def test_ansible_output_default_and_vvv(secrets, report, tmp_path, stack, prod_render):
    """The deploys, and the renders that handle every secret, at default verbosity and -vvv."""
    runs = {
        # The suite's deploy of its stack (-vvv), and any other deploy the fault tests ran.
        **stack.outputs,
        "compose_files.yml, all environments (default)": OUTPUTS.get("compose_files default", ""),
        "render.yml prod, secret files written (-vvv)": prod_render[1],
    }
    for name, args in {
        "compose_files.yml, all environments (-vvv)": [
            "playbooks/compose_files.yml",
            "-e",
            f"compose_files_dir={tmp_path / 'files'}",
            "-vvv",
        ],
    }.items():
        result = ansible_playbook(*args)
        assert result.returncode == 0, f"{name} failed:\n{result.stdout[-3000:]}"
        runs[name] = result.stdout + result.stderr
    assert all(runs.values()), [n for n, out in runs.items() if not out]
    bad = [f"{name} ({h})" for name, out in runs.items() for h in hits_in(out.encode(), all_values(secrets))]
    report.scan(
        "Ansible output (deploys, renders at default and -vvv)",
        len(runs),
        sum(len(o) for o in runs.values()),
        len(bad),
        "runs",
    )
    assert not bad, f"secret values in Ansible output: {bad}"

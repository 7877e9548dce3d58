"""Each image of the stack against its official image's interface (contract.py), both ways.

Static checks read the image's configuration and file system; behaviour checks
start containers the way the official documentation does (a *_FILE secret, a
configuration file, a template) and ask them with the image's own tools, as a
health check would. Run with `make conformance`; the result table is printed at
the end.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path

import pytest
from conftest import PREFIX, REPO, docker, record
from contract import CONTRACT, check_config, check_env, check_tools, check_users

sys.path.insert(0, str(REPO / "collections"))
from ansible_collections.assistant.containers.plugins.filter.redis_conf_quote import redis_conf_quote

NAMES = list(CONTRACT)


@pytest.mark.parametrize("name", NAMES)
def test_configuration(name, snapshot):
    """User, entrypoint, command, working directory, volumes, ports and stop signal as upstream; no HEALTHCHECK."""
    problems = check_config(CONTRACT[name], snapshot(name).config)
    record(name, "config", problems)
    assert not problems, f"{name} ({snapshot(name).ref}): " + "; ".join(problems)


@pytest.mark.parametrize("name", NAMES)
def test_environment(name, snapshot):
    """The variables the interface relies on (PATH, PGDATA, LANG...), and no other."""
    problems = check_env(CONTRACT[name], snapshot(name).config)
    record(name, "env", problems)
    assert not problems, f"{name} ({snapshot(name).ref}): " + "; ".join(problems)


@pytest.mark.parametrize("name", NAMES)
def test_tools(name, snapshot):
    """The official image's tools are on PATH, the ones it lacks are not, and no build helper is left."""
    snap = snapshot(name)
    problems = check_tools(CONTRACT[name], snap.config, snap.listing)
    record(name, "tools", problems)
    assert not problems, f"{name} ({snap.ref}): " + "; ".join(problems)


@pytest.mark.parametrize("name", NAMES)
def test_users(name, snapshot):
    """The official image's users and groups, with the same IDs (volumes and secret files move between them)."""
    snap = snapshot(name)
    problems = check_users(CONTRACT[name], snap.texts.get("/etc/passwd", ""), snap.texts.get("/etc/group", ""))
    record(name, "users", problems)
    assert not problems, f"{name} ({snap.ref}): " + "; ".join(problems)


# ---------------------------------------------------------------- behaviour


class Containers:
    """Containers and files of one behaviour test, removed at the end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.names: list[str] = []

    def file(self, name: str, content: str, uid: int = 0, mode: int = 0o644) -> str:
        path = self.tmp / name
        path.write_text(content, encoding="utf-8")
        os.chown(path, uid, uid)
        path.chmod(mode)
        return str(path)

    def start(self, ref: str, *args: str, run: tuple[str, ...] = ()) -> str:
        name = f"{PREFIX}-{secrets.token_hex(3)}"
        result = docker("run", "-d", "--name", name, *run, ref, *args)
        assert result.returncode == 0, result.stderr
        self.names.append(name)
        return name

    def exec(self, name: str, *argv: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        env_args = [a for k, v in (env or {}).items() for a in ("-e", f"{k}={v}")]
        result = docker("exec", *env_args, name, *argv)
        return result.returncode, (result.stdout + result.stderr).strip()

    def wait(self, name: str, *argv: str, timeout: float = 90, env: dict[str, str] | None = None) -> str:
        """Run argv in the container until it succeeds; fail with the last output and the logs."""
        deadline = time.monotonic() + timeout
        while True:
            code, out = self.exec(name, *argv, env=env)
            if code == 0:
                return out
            state = json.loads(docker("inspect", name).stdout)[0]["State"]
            if not state["Running"] or time.monotonic() > deadline:
                logs = docker("logs", "--tail", "30", name)
                pytest.fail(f"{argv} never succeeded in {name} ({state['Status']}): {out}\n{logs.stdout}{logs.stderr}")
            time.sleep(1)

    def exited(self, ref: str, *args: str, run: tuple[str, ...] = (), timeout: float = 30) -> tuple[int, str]:
        """Run a container to its end: exit code and output."""
        result = docker("run", "--rm", *run, ref, *args, timeout=timeout)
        return result.returncode, result.stdout + result.stderr

    def uid_of_pid1(self, name: str) -> str:
        code, out = self.exec(name, "cat", "/proc/1/status")
        assert code == 0, out
        return next(line.split()[1] for line in out.splitlines() if line.startswith("Uid:"))

    def remove(self) -> None:
        for name in self.names:
            docker("rm", "-f", "-v", name)


@pytest.fixture
def containers(tmp_path):
    tmp_path.chmod(0o755)
    c = Containers(tmp_path)
    yield c
    c.remove()


def behave_postgres(c: Containers, ref: str) -> None:
    password = "pw-" + secrets.token_hex(6) + " 'quoted'"
    secret = c.file("postgres_password", password, uid=999, mode=0o400)
    both = c.exited(ref, run=("-e", "POSTGRES_PASSWORD=x", "-e", "POSTGRES_PASSWORD_FILE=/run/secrets/p"))
    assert both[0] != 0 and "both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set" in both[1], both
    name = c.start(
        ref,
        run=(
            "-e",
            "POSTGRES_USER=conf_user",
            "-e",
            "POSTGRES_DB=conf_db",
            "-e",
            "POSTGRES_PASSWORD_FILE=/run/secrets/pw",
            "-v",
            f"{secret}:/run/secrets/pw:ro",
        ),
    )
    # The compose role's health check: over TCP, so not before the init scripts are done.
    c.wait(name, "pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "conf_user", "-d", "conf_db")
    assert c.uid_of_pid1(name) == "999", "the server must run as postgres after gosu"
    # From another container: the entrypoint's "host all all all scram-sha-256" (127.0.0.1 is trust, as upstream).
    address = json.loads(docker("inspect", name).stdout)[0]["NetworkSettings"]["IPAddress"]
    sql = ("-h", address, "-U", "conf_user", "-d", "conf_db", "-Atc")
    code, out = c.exited(
        ref,
        *sql,
        "SELECT current_user || '@' || current_database()",
        run=("-e", f"PGPASSWORD={password}", "--entrypoint", "psql"),
    )
    assert (code, out.strip()) == (0, "conf_user@conf_db"), out
    code, out = c.exited(ref, *sql, "SELECT 1", run=("-e", "PGPASSWORD=wrong", "--entrypoint", "psql"))
    assert code != 0 and "password authentication failed" in out, out


def behave_redis(c: Containers, ref: str) -> None:
    # A password that needs the filter's quoting: blanks, quotes, a backslash, a # and UTF-8.
    password = f'r "{secrets.token_hex(4)}" \\ # ü'
    conf = c.file("redis.conf", f"requirepass {redis_conf_quote(password)}\nappendonly yes\n", uid=999, mode=0o400)
    pw_file = c.file("redis_password", password, uid=999, mode=0o400)
    mounts = ("-v", f"{conf}:/run/secrets/redis_conf:ro", "-v", f"{pw_file}:/run/secrets/redis_password:ro")
    # As the compose file runs it: its own user, no capabilities, the configuration as the argument.
    name = c.start(
        ref, "redis-server", "/run/secrets/redis_conf", run=("--user", "999:999", "--cap-drop", "ALL", *mounts)
    )
    check = 'REDISCLI_AUTH="$(cat /run/secrets/redis_password)" redis-cli -h 127.0.0.1 -p 6379 ping | grep -qx PONG'
    c.wait(name, "sh", "-c", check)
    code, out = c.exec(name, "redis-cli", "-h", "127.0.0.1", "ping")
    assert "NOAUTH" in out, f"without the password: {out}"
    code, out = c.exec(name, "sh", "-c", "redis-cli -h 127.0.0.1 ping | grep -qx PONG")
    assert code != 0, "the health check must fail without the password (redis-cli exits 0 on NOAUTH)"
    for key, value in (("requirepass", password), ("appendonly", "yes")):
        code, out = c.exec(
            name, "redis-cli", "--raw", "-h", "127.0.0.1", "config", "get", key, env={"REDISCLI_AUTH": password}
        )
        assert out.splitlines() == [key, value], f"CONFIG GET {key}: {out!r}"
    # Started as root (no --user): the entrypoint drops to redis with setpriv.
    root = c.start(ref)
    c.wait(root, "redis-cli", "-h", "127.0.0.1", "ping")
    assert c.uid_of_pid1(root) == "999"
    code, out = c.exec(root, "redis-cli", "--raw", "config", "get", "protected-mode")
    assert out.splitlines() == ["protected-mode", "no"], f"upstream builds redis with protected mode off: {out!r}"


def behave_nginx(c: Containers, ref: str) -> None:
    template = c.file("hello.conf.template", 'server { listen 8081; location / { return 200 "${HELLO} $host\\n"; } }\n')
    name = c.start(
        ref, run=("-e", "HELLO=conformance", "-v", f"{template}:/etc/nginx/templates/hello.conf.template:ro")
    )
    out = c.wait(name, "curl", "-fsS", "http://127.0.0.1/")
    assert "<html>" in out
    out = c.wait(name, "curl", "-fsS", "http://127.0.0.1:8081/")
    assert out == "conformance 127.0.0.1", f"envsubst replaces defined variables only: {out!r}"
    _, out = c.exec(name, "sh", "-c", "for s in /proc/[0-9]*/status; do awk '/^Uid:/ {print $2}' $s; done | sort -u")
    assert "101" in out.split(), f"workers run as nginx: {out}"


def behave_prometheus(c: Containers, ref: str) -> None:
    name = c.start(ref)
    c.wait(name, "wget", "-q", "--spider", "http://127.0.0.1:9090/-/ready")
    assert c.exec(name, "id", "-u") == (0, "65534")
    code, out = c.exec(name, "promtool", "check", "config", "/etc/prometheus/prometheus.yml")
    assert code == 0, out


def behave_node_exporter(c: Containers, ref: str) -> None:
    name = c.start(ref)
    c.wait(name, "wget", "-q", "--spider", "http://127.0.0.1:9100/")
    assert c.exec(name, "id", "-u") == (0, "65534")


def behave_postgres_exporter(c: Containers, ref: str) -> None:
    secret = c.file("pass", "exporter-pw\n", uid=65534, mode=0o400)
    env = ("-e", "DATA_SOURCE_URI=127.0.0.1:5432/postgres?sslmode=disable", "-e", "DATA_SOURCE_USER=exporter")
    name = c.start(
        ref, run=(*env, "-e", "DATA_SOURCE_PASS_FILE=/run/secrets/pass", "-v", f"{secret}:/run/secrets/pass:ro")
    )
    c.wait(name, "wget", "-q", "--spider", "http://127.0.0.1:9187/")
    code, out = c.exited(ref, run=(*env, "-e", "DATA_SOURCE_PASS_FILE=/run/secrets/absent"))
    assert code != 0, f"an unreadable DATA_SOURCE_PASS_FILE must stop the exporter: {out}"


def behave_redis_exporter(c: Containers, ref: str, neighbour: str | None) -> None:
    pw_map = c.file("pw.json", json.dumps({"redis://127.0.0.1:6379": "x"}), uid=59000, mode=0o400)
    name = c.start(ref, "--redis.password-file=/run/secrets/pw.json", run=("-v", f"{pw_map}:/run/secrets/pw.json:ro"))
    code, out = c.exec(name, "sh", "-c", "true")
    assert code != 0, f"FROM scratch: no shell, so no in-container health check either: {out}"
    if neighbour:
        # The way to probe it: from a neighbour with a client, in its network namespace.
        deadline = time.monotonic() + 30
        while True:
            code, out = c.exited(
                neighbour,
                "-q",
                "-O",
                "-",
                "http://127.0.0.1:9121/health",
                run=("--network", f"container:{name}", "--entrypoint", "wget"),
            )
            if code == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert code == 0 and "ok" in out, out
    bad = c.file("bad.json", "not json", uid=59000, mode=0o400)
    code, out = c.exited(
        ref, "--redis.password-file=/run/secrets/bad.json", run=("-v", f"{bad}:/run/secrets/bad.json:ro")
    )
    assert code != 0, f"the password file is a JSON map; anything else stops the exporter: {out}"


def behave_registry(c: Containers, ref: str) -> None:
    name = c.start(ref)
    c.wait(name, "wget", "-q", "--spider", "http://127.0.0.1:5000/")
    code, _ = c.exited(ref, "htpasswd", run=("--entrypoint", "htpasswd"))
    assert code != 0, "registry 2.8 has no htpasswd"


def behave_python(c: Containers, ref: str) -> None:
    code, out = c.exited(
        ref, "-c", "import sys, ssl, venv, ensurepip; print(sys.version_info[:2])", run=("--entrypoint", "python3")
    )
    assert (code, out.strip()) == (0, "(3, 13)"), out
    script = "set -e; python --version; pip --version; python3 -m venv /tmp/v; /tmp/v/bin/pip --version"
    code, out = c.exited(ref, "-c", script, run=("--entrypoint", "sh"))
    assert code == 0, out
    # pip refuses nothing for being "externally managed": it fails only because the path does not exist.
    code, out = c.exited(ref, "install", "--no-index", "--no-deps", "/nonexistent", run=("--entrypoint", "pip"))
    assert code != 0 and "/nonexistent" in out, out
    assert "externally-managed" not in out, f"the official image's pip installs into its Python: {out}"


@pytest.mark.parametrize("name", NAMES)
def test_behaviour(name, images, snapshot, containers):
    ref = snapshot(name).ref
    try:
        if name == "redis_exporter":
            neighbour = images.get("prometheus", {}).get("ref")
            behave_redis_exporter(containers, ref, neighbour)
        else:
            globals()[f"behave_{name}"](containers, ref)
    except BaseException:
        record(name, "behaviour", ["failed"])
        raise
    record(name, "behaviour", [])

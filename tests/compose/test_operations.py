"""Day two on a deployed stack: `make logs`, `make exec`, `make shell`, `make ps` through the
inventory, hot reload of the API and the worker, and traces across api -> agent -> worker.

One stack for the module: the dev inventory deployed by the deploy role under a project of its
own (opstest), with free host ports, the app source mounted from a copy (the test edits it; the
committed tree is never touched) and compose_otel_endpoint pointing at a small OTLP receiver
the test starts on the stack's back network (app/tests/otlp_receiver.py). The make targets get
the overrides through ARGS, as a user would pass theirs.

Environment:
  ASSISTANT_OPS_EXTRA_VARS  a JSON file of more overrides for the stack (e.g. compose_images_manifest_path
                            of images built under another namespace)
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, VENV_BIN, ansible_playbook, docker

sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "app" / "tests"))
import isolated_stack  # tests/isolated_stack.py
from otlp_receiver import find_chain  # app/tests/otlp_receiver.py

PROJECT = "opstest"
RECEIVER = f"{PROJECT}-otlp-receiver"
DEPLOY = REPO / "tests" / "faults" / "files" / "deploy.yml"  # the deploy role alone
DESTROY = REPO / "tests" / "faults" / "files" / "destroy.yml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: dict | None = None, timeout: float = 10) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 (local test URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (local test URL)
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}
    except (urllib.error.URLError, OSError, ValueError):
        return 0, {}


def wait_for(fetch, done, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class Stack:
    def __init__(self, root: Path, ports: dict[str, int]) -> None:
        self.root = root
        self.source = root / "src"
        self.vars_file = root / "overrides.json"
        self.api = f"http://127.0.0.1:{ports['api']}"
        self.ports = ports
        self.app_image = "assistant/app-dev:dev"

    def make_argv(self, target: str, **variables: str) -> list[str]:
        # The test runs inside the toolchain: never let make rebuild it from here (-o).
        return [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.toolchain",
            target,
            "INVENTORY=inventories/dev",
            f"ARGS=-e @{self.vars_file}",
            *(f"{k}={v}" for k, v in variables.items()),
        ]

    def make(self, target: str, stdin: str | None = None, timeout: float = 180, **variables: str):
        result = subprocess.run(  # noqa: S603 (fixed program, the test's arguments)
            self.make_argv(target, **variables),
            cwd=REPO,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
            env=make_env(),
            check=False,
        )
        result.stdout = plain(result.stdout)
        return result


def plain(text: str) -> str:
    """Without terminal control sequences: Compose 2.26 starts each log line with an erase-line
    code (ESC [2K) even with --ansi never."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def make_env() -> dict:
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if docker("version", "--format", "{{.Server.Version}}").returncode != 0:
        pytest.skip("no Docker engine answers on this machine (start it: make engine)")
    needed = ("assistant/app-dev:dev", "assistant/postgres:17", "assistant/redis:8", "assistant/nginx:1.26")
    missing = [i for i in needed if docker("image", "inspect", i).returncode != 0]
    if missing:
        message = f"images missing: {', '.join(missing)}; run `make images` and `make build` first"
        if os.environ.get("ASSISTANT_COMPOSE_REQUIRE_STACK") == "1":
            pytest.fail(message)
        pytest.skip(message)
    isolated_stack.remove_project(PROJECT)
    docker("rm", "-f", RECEIVER)
    root = tmp_path_factory.mktemp("opstest")
    shutil.copytree(REPO / "app" / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    ports = {name: free_port() for name in ("nginx", "api", "sms")}
    stack = Stack(root, ports)
    overrides = isolated_stack.overrides(
        root,
        PROJECT,
        ports,
        compose_app_source_dir=str(stack.source),
        compose_otel_endpoint="http://otlp-receiver:4318",
        deploy_health_timeout=300,
    )
    if os.environ.get("ASSISTANT_OPS_EXTRA_VARS"):
        overrides.update(json.loads(Path(os.environ["ASSISTANT_OPS_EXTRA_VARS"]).read_text()))
    # The receiver runs in the stack's app image: it has Python.
    stack.app_image = overrides.get("compose_images", {}).get("app", "assistant/app-dev:dev")
    stack.vars_file.write_text(json.dumps(overrides))
    try:
        deployed = ansible_playbook("-i", "inventories/dev", str(DEPLOY), "-e", f"@{stack.vars_file}", timeout=900)
        assert deployed.returncode == 0, f"deploy failed:\n{deployed.stdout[-5000:]}\n{deployed.stderr[-2000:]}"
        # The receiver, on the stack's internal network under the name the endpoint uses.
        started = docker(
            "run", "-d", "--name", RECEIVER, "--network", f"{PROJECT}_back", "--network-alias", "otlp-receiver",
            "--read-only", "--user", "10001:10001", "--cap-drop", "ALL", "--no-healthcheck",
            "--mount", f"type=bind,source={REPO / 'app' / 'tests' / 'otlp_receiver.py'},target=/receiver.py,readonly",
            "--entrypoint", "python", stack.app_image, "/receiver.py", "--port", "4318",
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        yield stack
    finally:
        docker("rm", "-f", RECEIVER)
        destroyed = ansible_playbook("-i", "inventories/dev", str(DESTROY), "-e", f"@{stack.vars_file}")
        isolated_stack.remove_project(PROJECT)
        shutil.rmtree(root, ignore_errors=True)
        assert destroyed.returncode == 0, f"destroy failed:\n{destroyed.stdout[-3000:]}"


# ------------------------------------------------------------------------------ logs


def test_make_logs_of_one_service(stack):
    # A request with a path of its own, so that its access-log line can only come from this run.
    note = 10**9 + secrets.randbelow(10**9)  # no such note, within PostgreSQL's integer
    assert http("GET", f"{stack.api}/api/v1/notes/{note}")[0] == 404
    result = stack.make("logs", SERVICE="api", TAIL="200")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("api-1")]
    assert any(f"/api/v1/notes/{note} " in line for line in lines), result.stdout[-3000:]
    assert not [line for line in result.stdout.splitlines() if line.startswith("worker-1")]
    # The command it ran is printed (stderr), so the user can run it again by hand.
    assert f"docker compose --ansi never -p {PROJECT} logs --no-color --tail 200 api" in result.stderr


def test_make_logs_of_every_service(stack):
    result = stack.make("logs", TAIL="20")
    assert result.returncode == 0, result.stderr[-2000:]
    # The one-shot jobs ran as `docker compose run` containers, which the deploy removes.
    for service in ("api", "agent", "worker", "sms", "postgres", "redis", "nginx"):
        assert any(line.startswith(f"{service}-1") for line in result.stdout.splitlines()), service


def test_make_logs_follows(stack):
    proc = subprocess.Popen(  # noqa: S603 (fixed program, the test's arguments)
        stack.make_argv("logs", SERVICE="api", FOLLOW="1", TAIL="0"),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=make_env(),
        start_new_session=True,
    )
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(plain(line) for line in proc.stdout), daemon=True)
    reader.start()
    try:
        # Once make runs docker compose logs --follow (its "+ docker compose ..." line), requests made
        # after that must show up in it. The command attaches a moment after it starts: ask until
        # one of the requests made since shows up.
        started = wait_for(lambda: any(line.startswith("+ docker compose") for line in seen), bool, timeout=120)
        assert started, "".join(seen)[-3000:]
        paths: list[str] = []

        def request_and_look() -> bool:
            paths.append(f"/api/v1/notes/{10**9 + secrets.randbelow(10**9)}")
            assert http("GET", stack.api + paths[-1])[0] == 404
            return bool(wait_for(lambda: any(p in line for line in list(seen) for p in paths), bool, timeout=5))

        found = wait_for(request_and_look, bool, timeout=90, interval=0)
        assert found, "".join(seen)[-3000:]
        assert proc.poll() is None, "make logs FOLLOW=1 ended instead of following"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_make_logs_of_an_unknown_service_says_so(stack):
    result = stack.make("logs", SERVICE="apy")
    assert result.returncode != 0
    assert "service 'apy' has no container" in result.stdout, result.stdout[-2000:]


# ------------------------------------------------------------------------------ exec, shell, ps


def test_make_exec_runs_in_the_service_container(stack):
    result = stack.make("exec", SERVICE="api", CMD="python -c \"import os; print(6 * 7, os.environ['APP_ENV'])\"")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "42 dev"
    # In the api container of this project, as its user.
    who = stack.make("exec", SERVICE="api", CMD='sh -c \'id -u; tr "\\0" " " < /proc/1/cmdline\'')
    assert who.returncode == 0, who.stderr[-2000:]
    uid, pid1 = who.stdout.splitlines()[-2:]
    assert uid == "10001" and pid1.endswith("assistant api "), who.stdout[-500:]


def test_make_exec_keeps_dollars_and_quotes(stack):
    # $APP_ENV must reach the container's shell, expanded neither by make nor here.
    result = stack.make("exec", SERVICE="worker", CMD='sh -c \'echo "[$APP_ENV]" "a  b"\'')
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "[dev] a  b"


def test_make_exec_the_guides_psql_example(stack):
    # docs/operations.md's example, as written there: the container's own variables, nested quotes.
    cmd = 'sh -c "psql -U \\"$POSTGRES_USER\\" -d \\"$POSTGRES_DB\\" -c \\"select count(*) from notes\\""'
    assert f"CMD='{cmd}'" in (REPO / "docs" / "operations.md").read_text()
    result = stack.make("exec", SERVICE="postgres", CMD=cmd)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "count" in result.stdout and "(1 row)" in result.stdout


def test_make_exec_exit_status_is_the_commands(stack):
    result = stack.make("exec", SERVICE="api", CMD="sh -c 'exit 3'")
    assert result.returncode != 0
    assert "Error 3" in result.stderr, result.stderr[-1000:]


def test_make_exec_into_a_service_with_no_running_container_says_so(stack):
    result = stack.make("exec", SERVICE="migrate", CMD="true")
    assert result.returncode != 0
    assert "no running container of service 'migrate'" in result.stdout, result.stdout[-2000:]
    assert "running services:" in result.stdout


def test_make_shell_reads_its_commands(stack):
    # No terminal here (a test), so the plain form (docker exec -i) runs and sh reads stdin.
    result = stack.make("shell", SERVICE="sms", stdin="echo shell-in-$APP_ENV; exit\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "shell-in-dev"


def test_make_ps(stack):
    result = stack.make("ps")
    assert result.returncode == 0, result.stderr[-2000:]
    for service in ("api", "worker", "postgres", "nginx"):
        assert f"{PROJECT}-{service}-1" in result.stdout


# ------------------------------------------------------------------------------ traces


def test_one_request_is_one_trace_across_api_agent_worker(stack):
    status, body = http("POST", f"{stack.api}/api/v1/messages", {"user": "ops", "text": "trace this one"})
    assert status == 202, body
    done = wait_for(
        lambda: http("GET", f"{stack.api}/api/v1/messages/{body['id']}")[1],
        lambda b: b.get("status") == "done",
        timeout=60,
    )
    assert done.get("status") == "done", done

    def spans() -> list[dict]:
        out = docker("logs", RECEIVER).stdout
        return [json.loads(line) for line in out.splitlines() if line.startswith("{") and "trace_id" in line]

    # The exporters send in batches (every 5 s by default).
    chain = wait_for(lambda: find_chain(spans(), first_name="POST /api/v1/messages"), bool, timeout=60, interval=2)
    assert chain, f"no api -> agent -> worker trace among the spans received: {spans()[-30:]}"
    assert [s["service"] for s in chain] == [
        "assistant-api",
        "assistant-api",
        "assistant-agent",
        "assistant-agent",
        "assistant-worker",
    ]


# ------------------------------------------------------------------------------ reload (last: it edits the code)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer contains {old!r}: update this test"
    path.write_text(text.replace(old, new))


def test_dev_reload_api_and_worker_run_edited_code(stack):
    marker = "reloaded-" + secrets.token_hex(4)
    package = stack.source / "assistant_app"
    assert "reloaded" not in http("GET", f"{stack.api}/version")[1]
    _edit(
        package / "ops.py",
        '"revision": settings.revision}',
        f'"revision": settings.revision, "reloaded": "{marker}"}}',
    )
    _edit(
        package / "tasks.py",
        'return {"words": len(text.split()), "chars": len(text)}',
        f'return {{"words": len(text.split()), "chars": len(text), "reloaded": "{marker}"}}',
    )
    answered = wait_for(lambda: http("GET", f"{stack.api}/version")[1], lambda b: b.get("reloaded") == marker, 90)
    assert answered.get("reloaded") == marker, f"the API still answers {answered}"

    def task_result() -> dict:
        status, body = http("POST", f"{stack.api}/api/v1/tasks", {"text": "a b"})
        if status != 202:
            return {}
        final = wait_for(
            lambda: http("GET", f"{stack.api}/api/v1/tasks/{body['id']}")[1],
            lambda b: b.get("state") in ("SUCCESS", "FAILURE"),
            timeout=20,
        )
        return final.get("result") or {}

    ran = wait_for(task_result, lambda r: r.get("reloaded") == marker, timeout=120, interval=1)
    assert ran.get("reloaded") == marker, f"the worker still runs the old code: {ran}"
    logs = stack.make("logs", SERVICE="worker", TAIL="200")
    assert "source changed, restarting the worker" in logs.stdout

"""The reliability suite's shared plugin: the deployed fault-test stack, helpers, and the report.

Both tests/faults and tests/security register this module once (see their conftest.py), so
one session fixture deploys one stack for both directories, and the report is printed once.

The stack is the dev inventory's (inventories/dev) with its own project name, directory,
ports and deploy state, so a developer's running dev stack is never touched:
project `faulttest`, ports 28580 (nginx), 28500 (API), 28503 (SMS router); 28080 is taken by another scenario.

Environment:
  ASSISTANT_FAULTS_ENGINE=1  also restart the shared Docker engine (always on when CI=true)
  ASSISTANT_VAULT_PASSWORD_FILE  vault password of stage and prod (default: the TEST one)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import isolated_stack  # tests/isolated_stack.py, shared with benchmarks/deploy.py

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
FILES = Path(__file__).resolve().parent / "files"
PROJECT = "faulttest"
PORTS = {"nginx": 28580, "api": 28500, "sms": 28503}
API = f"http://127.0.0.1:{PORTS['api']}"
VAULT_PASSWORD_FILE = Path(
    os.environ.get("ASSISTANT_VAULT_PASSWORD_FILE", REPO / "tests" / "vault" / "test-vault-password")
)
# "Not hung": every recovery must happen within this bound. Timings themselves are reported, never asserted.
NOT_HUNG = 180.0


# ---------------------------------------------------------------- report


@dataclass
class Report:
    """Rows gathered during the run and printed at the end: every value comes from the run."""

    faults: list[dict] = field(default_factory=list)
    bad_inputs: list[dict] = field(default_factory=list)
    scans: list[dict] = field(default_factory=list)
    data: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fault(self, name: str, outcome: str, seconds: float | None, detail: str = "") -> None:
        self.faults.append({"fault": name, "outcome": outcome, "seconds": seconds, "detail": detail})

    def bad_input(
        self, case: str, variable: str, refused: bool, unchanged: bool, seconds: float, run: str = "own run"
    ) -> None:
        self.bad_inputs.append(
            {
                "case": case,
                "variable": variable,
                "refused": refused,
                "unchanged": unchanged,
                "seconds": seconds,
                "run": run,
            }
        )

    def scan(self, place: str, items: int, size: int, hits: int, unit: str = "files") -> None:
        self.scans.append({"place": place, "items": items, "unit": unit, "bytes": size, "hits": hits})

    def rows(self, check: str, before: Rows, after: Rows) -> None:
        self.data.append(
            {
                "check": check,
                "before": before.count,
                "after": after.count,
                "kept": before.ids <= after.ids and all(after.rows[i] == before.rows[i] for i in before.ids),
            }
        )


REPORT = Report()


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return out


def report_lines(rep: Report) -> list[str]:
    lines: list[str] = []
    survived = sum(1 for f in rep.faults if f["outcome"] == "survived")
    injected = sum(1 for f in rep.faults if f["outcome"] != "not run")
    # A section is left out when its half of the suite did not run (make security runs tests/security only).
    if rep.faults:
        lines.append(f"Faults injected: {injected}, survived: {survived}, not run: {len(rep.faults) - injected}")
        lines += _table(
            ["fault", "outcome", "recovery s", "detail"],
            [
                [f["fault"], f["outcome"], "-" if f["seconds"] is None else f"{f['seconds']:.1f}", f["detail"]]
                for f in rep.faults
            ],
        )
        lines.append("")
    if rep.bad_inputs:
        refused = sum(1 for b in rep.bad_inputs if b["refused"] and b["unchanged"])
        lines.append(f"Bad inputs tried: {len(rep.bad_inputs)}, refused with nothing changed: {refused}")
        lines += _table(
            ["case", "variable", "refused", "nothing changed", "ansible-playbook run", "run s"],
            [
                [
                    b["case"],
                    b["variable"],
                    "yes" if b["refused"] else "NO",
                    "yes" if b["unchanged"] else "NO",
                    b["run"],
                    f"{b['seconds']:.1f}",
                ]
                for b in rep.bad_inputs
            ],
        )
        # A batch is one ansible-playbook run for several cases (one inventory host each): counted once.
        batches = {b["run"]: b["seconds"] for b in rep.bad_inputs if b["run"] != "own run"}
        own = [b["seconds"] for b in rep.bad_inputs if b["run"] == "own run"]
        lines.append(
            f"{len(rep.bad_inputs)} cases in {len(batches) + len(own)} ansible-playbook runs, "
            f"{sum(batches.values()) + sum(own):.0f} s of runs in all"
        )
        lines.append("")
    if rep.scans:
        hits = sum(1 for s in rep.scans if s["hits"])
        lines.append(f"Places scanned for secrets: {len(rep.scans)}, with a secret found: {hits}")
        lines += _table(
            ["place", "scanned", "MB", "secret hits"],
            [[s["place"], f"{s['items']} {s['unit']}", f"{s['bytes'] / 1e6:.1f}", str(s["hits"])] for s in rep.scans],
        )
        lines.append("")
    if rep.data:
        lines.append("Rows of data checked before and after")
        lines += _table(
            ["check", "rows before", "rows after", "all kept"],
            [[d["check"], str(d["before"]), str(d["after"]), "yes" if d["kept"] else "NO"] for d in rep.data],
        )
        lines.append("")
    lines += rep.notes
    return lines


def pytest_terminal_summary(terminalreporter):
    if not (REPORT.faults or REPORT.bad_inputs or REPORT.scans or REPORT.data):
        return
    terminalreporter.section("reliability and security report")
    for line in report_lines(REPORT):
        terminalreporter.write_line(line)
    out = os.environ.get("ASSISTANT_FAULTS_REPORT")
    if out:
        Path(out).write_text(json.dumps(REPORT.__dict__, indent=2, default=str))


def pytest_collection_modifyitems(items):
    # The Docker engine restart disturbs everything: it runs last of all.
    items.sort(key=lambda item: item.get_closest_marker("engine_restart") is not None)


def pytest_configure(config):
    config.addinivalue_line("markers", "engine_restart: restarts the shared Docker engine; runs last")


# ---------------------------------------------------------------- processes


def _env() -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    return env


def playbook_argv(*args: str) -> list[str]:
    exe = VENV_BIN / "ansible-playbook"
    return [str(exe if exe.exists() else "ansible-playbook"), "--vault-password-file", str(VAULT_PASSWORD_FILE), *args]


def ansible_playbook(*args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (fixed program, arguments from the tests)
        playbook_argv(*args),
        cwd=REPO,
        env={**_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def popen_playbook(*args: str) -> subprocess.Popen:
    """A playbook in a process group of its own, so that the whole group can be killed."""
    return subprocess.Popen(  # noqa: S603
        playbook_argv(*args),
        cwd=REPO,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def docker_cli() -> str:
    for candidate in ("/usr/local/bin/docker", shutil.which("docker")):
        if candidate and Path(candidate).exists():
            return candidate
    return "docker"


def docker(*args: str, timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [docker_cli(), *args], capture_output=True, text=True, timeout=timeout, check=check
    )


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# ---------------------------------------------------------------- HTTP


def http(method: str, url: str, body: dict | None = None, timeout: float = 5) -> tuple[int, dict | str]:
    """(status, JSON or text); status 0 when nothing answered."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (loopback test URL)
            raw = resp.read().decode()
            status = resp.status
    except urllib.error.HTTPError as err:
        raw, status = err.read().decode(errors="replace"), err.code
    except (OSError, urllib.error.URLError):
        return 0, ""
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def wait_for(predicate, timeout: float = NOT_HUNG, interval: float = 0.5) -> float | None:
    """Seconds until predicate() is true, or None when it never was within timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with contextlib.suppress(Exception):
            if predicate():
                return time.monotonic() - start
        time.sleep(interval)
    return None


def api_ready() -> bool:
    status, body = http("GET", f"{API}/ready")
    return status == 200 and isinstance(body, dict) and body.get("ready") is True


# ---------------------------------------------------------------- the stack


def containers(all_: bool = True) -> list[dict]:
    """docker inspect of every container of the project."""
    ids = docker("ps", "-q", *(["-a"] if all_ else []), "--filter", f"label=com.docker.compose.project={PROJECT}")
    if not ids.stdout.split():
        return []
    return json.loads(docker("inspect", *ids.stdout.split()).stdout)


def container_state() -> list[tuple]:
    """What must not change when a bad input is refused: each container, its image, start time and restarts."""
    return sorted(
        (c["Name"], c["Id"], c["Image"], c["State"]["Status"], c["State"]["StartedAt"], c["RestartCount"])
        for c in containers()
    )


def service_container(service: str) -> dict:
    for c in containers():
        if c["Config"]["Labels"].get("com.docker.compose.service") == service:
            return c
    raise AssertionError(f"no container of service {service} in project {PROJECT}")


def stack_healthy() -> bool:
    """Every long-running container is running and healthy, and the API is ready."""
    running = [c for c in containers() if c["HostConfig"]["RestartPolicy"]["Name"] != "no"]
    if not running:
        return False
    for c in running:
        state = c["State"]
        if state["Status"] != "running" or state.get("Health", {}).get("Status", "healthy") != "healthy":
            return False
    return api_ready()


def tree_checksums(*roots: Path) -> dict[str, str]:
    sums: dict[str, str] = {}
    for root in roots:
        if root.is_file():
            sums[str(root)] = hashlib.sha256(root.read_bytes()).hexdigest()
            continue
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if path.is_file():
                sums[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


@dataclass
class Rows:
    count: int
    rows: dict[int, str]

    @property
    def ids(self) -> set[int]:
        return set(self.rows)


def notes_rows() -> Rows:
    """Every note in PostgreSQL, read with psql in the database's container (not through the API)."""
    pg = service_container("postgres")["Name"].lstrip("/")
    query = "select id, md5(title || chr(31) || body) from notes order by id"
    result = docker("exec", pg, "sh", "-c", f'psql -X -q -At -F " " -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "{query}"')
    assert result.returncode == 0, f"psql failed: {result.stderr}"
    rows = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.strip())
    return Rows(len(rows), {int(k): v for k, v in rows.items()})


@dataclass
class Stack:
    root: Path
    project_dir: Path
    state_dir: Path
    vars_file: Path
    # Ansible output of the deploys run, by name, for the secrets scan.
    outputs: dict[str, str] = field(default_factory=dict)

    def deploy(self, *extra: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return ansible_playbook(
            "-i", "inventories/dev", str(FILES / "deploy.yml"), "-e", f"@{self.vars_file}", *extra, timeout=timeout
        )

    def deploy_argv(self) -> list[str]:
        return ["-i", "inventories/dev", str(FILES / "deploy.yml"), "-e", f"@{self.vars_file}"]

    def write_notes(self, n: int, tag: str) -> list[int]:
        ids = []
        for i in range(n):
            status, body = http("POST", f"{API}/api/v1/notes", {"title": f"{tag} {i}", "body": f"{tag} body {i} ✓"})
            assert status == 201, f"writing a note failed: {status} {body}"
            ids.append(body["id"])
        return ids


def overrides(root: Path) -> dict:
    """The dev inventory's values with the suite's own project, directory, ports and state."""
    return isolated_stack.overrides(root, PROJECT, PORTS, deploy_health_timeout=180)


def remove_leftovers() -> None:
    """A previous run that was killed may have left the project's containers, volumes and networks."""
    isolated_stack.remove_project(PROJECT)


@pytest.fixture(scope="session")
def report() -> Report:
    return REPORT


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    if docker("version", "--format", "{{.Server.Version}}").returncode != 0:
        pytest.skip("no Docker engine answers on this machine (start it: make engine)")
    needed = ("assistant/app-dev:dev", "assistant/postgres:17", "assistant/redis:8", "assistant/nginx:1.26")
    missing = [i for i in needed if docker("image", "inspect", i).returncode != 0]
    assert not missing, f"images missing: {', '.join(missing)}; run `make images` and `make build` first"
    remove_leftovers()
    root = tmp_path_factory.mktemp("faulttest")
    vars_file = root / "overrides.json"
    vars_file.write_text(json.dumps(overrides(root)))
    stack = Stack(root, root / "stack", root / "state", vars_file)
    start = time.monotonic()
    # At -vvv: its output is scanned for secrets (tests/security/test_secrets.py).
    result = stack.deploy("-vvv")
    assert result.returncode == 0, f"deploy failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    stack.outputs["deploy of the suite's stack (dev, -vvv)"] = result.stdout + result.stderr
    REPORT.notes.append(
        f"Stack deployed with the collection (deploy role, project {PROJECT}) in {time.monotonic() - start:.0f} s."
    )
    yield stack
    destroyed = ansible_playbook("-i", "inventories/dev", str(FILES / "destroy.yml"), "-e", f"@{vars_file}")
    remove_leftovers()
    shutil.rmtree(root, ignore_errors=True)
    assert destroyed.returncode == 0, f"destroy failed:\n{destroyed.stdout[-3000:]}"

"""Helpers for the compose tests: run the repository's playbooks and the docker CLI.

Environment:
  ASSISTANT_VAULT_PASSWORD_FILE   vault password for stage and prod (default: the TEST one,
                                  tests/vault/test-vault-password)
  ASSISTANT_COMPOSE_REQUIRE_STACK set to 1 to fail, not skip, when the dev stack's images are absent
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
ENVIRONMENTS = ("dev", "stage", "prod")
VAULT_PASSWORD_FILE = Path(
    os.environ.get("ASSISTANT_VAULT_PASSWORD_FILE", REPO / "tests" / "vault" / "test-vault-password")
)


def _bin(name: str) -> str:
    local = VENV_BIN / name
    return str(local) if local.exists() else name


def ansible_playbook(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    return subprocess.run(  # noqa: S603 (fixed program, arguments from the tests)
        [_bin("ansible-playbook"), "--vault-password-file", str(VAULT_PASSWORD_FILE), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def docker_cli() -> str:
    """The docker client: /usr/local/bin/docker (28.x, has `stack config`) when present."""
    for candidate in ("/usr/local/bin/docker", shutil.which("docker")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("no docker CLI on this machine")
    return ""


def docker(*args: str, timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (fixed program, arguments from the tests)
        [docker_cli(), *args], capture_output=True, text=True, timeout=timeout, check=check
    )


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Path:
    """The three environments rendered afresh by playbooks/compose_files.yml into a temporary directory."""
    out = tmp_path_factory.mktemp("compose-files")
    result = ansible_playbook("playbooks/compose_files.yml", "-e", f"compose_files_dir={out}")
    assert result.returncode == 0, f"compose_files.yml failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    return out

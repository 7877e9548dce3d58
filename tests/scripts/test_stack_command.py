"""scripts/stack-command.py, the runner of make logs/exec/ps, against stand-in commands (sh)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "stack-command.py"
PARTIAL = {"stderr": "incomplete log stream", "note": "some nodes' logs are missing"}
# What docker service logs prints when a node that ran a task has left the swarm, and its status.
NODE_GONE = (
    "echo 'api.1 | hello'; echo 'error from daemon in stream: Error grabbing logs: rpc error: "
    "warning: incomplete log stream. node so6v is not available' >&2; exit 1"
)


def run(tmp_path, commands, parallel=False):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"commands": commands, "parallel": parallel}))
    return subprocess.run(  # noqa: S603 (this repository's script)
        [sys.executable, str(SCRIPT), str(plan)], capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )


def command(script, partial=None):
    argv = ["sh", "-c", script]
    return {"argv": argv, "argv_tty": argv, "env": {}, **({"partial": partial} if partial else {})}


@pytest.mark.parametrize("parallel", [False, True])
def test_a_partial_failure_the_plan_allows_counts_as_done_and_says_so(tmp_path, parallel):
    result = run(tmp_path, [command(NODE_GONE, PARTIAL), command("echo 'worker.1 | hi'", PARTIAL)], parallel)
    assert result.returncode == 0
    assert "api.1 | hello" in result.stdout and "worker.1 | hi" in result.stdout
    assert "incomplete log stream" in result.stderr
    assert "stack-command: some nodes' logs are missing" in result.stderr


def test_another_failure_of_a_partial_command_keeps_its_status(tmp_path):
    result = run(tmp_path, [command("echo 'no such service' >&2; exit 1", PARTIAL)])
    assert result.returncode == 1
    assert "no such service" in result.stderr
    assert "stack-command:" not in result.stderr


def test_without_partial_the_same_error_is_a_failure(tmp_path):
    result = run(tmp_path, [command(NODE_GONE)])
    assert result.returncode == 1
    assert "stack-command:" not in result.stderr


def test_the_worst_status_of_several_commands(tmp_path):
    result = run(tmp_path, [command("exit 0"), command("exit 3"), command(NODE_GONE, PARTIAL)])
    assert result.returncode == 3


def test_a_plan_without_commands(tmp_path):
    result = run(tmp_path, [])
    assert result.returncode == 2
    assert "the plan has no command" in result.stderr

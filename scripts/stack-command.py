#!/usr/bin/env python3
"""Run the docker command that playbooks/{logs,exec,ps}.yml planned (make logs, exec, shell, ps).

The playbook finds the host and container on the inventory's hosts and writes the plan (JSON:
commands with their argv, terminal argv and environment, e.g. DOCKER_HOST=ssh://...); this
runs it here, so that a shell gets a terminal and followed logs stream. With a terminal on
stdin and stdout the terminal form (docker exec -it) runs, else the plain one (docker exec -i),
which is what scripts and tests get. Exit status: the docker command's.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: stack-command.py PLAN.json", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as handle:
            plan = json.load(handle)
    except (OSError, ValueError) as exc:
        print(
            f"stack-command: cannot read the plan {argv[1]} ({exc}); the playbook writes it "
            "(stack_command_file). Did it fail above, or run in check mode?",
            file=sys.stderr,
        )
        return 2
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    commands = plan.get("commands") or []
    if not commands:
        print("stack-command: the plan has no command", file=sys.stderr)
        return 2
    runs = []
    for command in commands:
        args = command["argv_tty"] if tty else command["argv"]
        env = {**os.environ, **(command.get("env") or {})}
        shown = [f"{k}={shlex.quote(v)}" for k, v in sorted((command.get("env") or {}).items())]
        print("+", *shown, shlex.join(args), file=sys.stderr, flush=True)
        runs.append((args, env))
    if len(runs) == 1:
        args, env = runs[0]
        os.execvpe(args[0], args, env)  # noqa: S606 (the planned docker command)
    if plan.get("parallel"):
        # Following several Swarm services: all at once; Ctrl-C reaches every one (same
        # process group), and the first interrupt ends the wait.
        procs = [subprocess.Popen(args, env=env) for args, env in runs]  # noqa: S603
        try:
            return max(p.wait() for p in procs)
        except KeyboardInterrupt:
            for p in procs:
                p.send_signal(signal.SIGINT)
            return 130
    status = 0
    for args, env in runs:
        status = max(status, subprocess.run(args, env=env, check=False).returncode)  # noqa: S603
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))

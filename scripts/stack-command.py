#!/usr/bin/env python3
"""Run the docker command that playbooks/{logs,exec,ps}.yml planned (make logs, exec, shell, ps).

The playbook finds the host and container on the inventory's hosts and writes the plan (JSON:
commands with their argv, terminal argv and environment, e.g. DOCKER_HOST=ssh://...); this
runs it here, so that a shell gets a terminal and followed logs stream. With a terminal on
stdin and stdout the terminal form (docker exec -it) runs, else the plain one (docker exec -i),
which is what scripts and tests get. Exit status: the docker command's, except that a command
whose plan says its failure can be partial ("partial": docker service logs when a node that ran
one of the service's tasks is down or has left the swarm) counts as done when its error says so:
everything else was printed, and the runner says what is missing.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading


def start(args, env, partial):
    """Start one planned command; with ``partial``, pass its stderr through and keep it to judge."""
    if not partial:
        return subprocess.Popen(args, env=env), None, None  # noqa: S603 (the planned docker command)
    proc = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True, errors="replace")  # noqa: S603
    seen = []

    def relay():
        for line in proc.stderr:
            sys.stderr.write(line)
            sys.stderr.flush()
            seen.append(line)

    thread = threading.Thread(target=relay, daemon=True)
    thread.start()
    return proc, thread, seen


def finish(proc, thread, seen, partial):
    """The command's exit status; 0 for a partial failure its plan allows, with a note saying so."""
    status = proc.wait()
    if thread is None:
        return status
    thread.join()
    if status != 0 and any(partial["stderr"] in line for line in seen):
        print(f"stack-command: {partial['note']}", file=sys.stderr, flush=True)
        return 0
    return status


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
        runs.append((args, env, command.get("partial")))
    if len(runs) == 1 and not runs[0][2]:
        args, env, _partial = runs[0]
        os.execvpe(args[0], args, env)  # noqa: S606 (the planned docker command)
    if plan.get("parallel"):
        # Following several Swarm services: all at once; Ctrl-C reaches every one (same
        # process group), and the first interrupt ends the wait.
        started = [(*start(args, env, partial), partial) for args, env, partial in runs]
        try:
            return max(finish(*one) for one in started)
        except KeyboardInterrupt:
            for proc, *_rest in started:
                proc.send_signal(signal.SIGINT)
            return 130
    status = 0
    for args, env, partial in runs:
        try:
            status = max(status, finish(*start(args, env, partial), partial))
        except KeyboardInterrupt:
            return 130
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))

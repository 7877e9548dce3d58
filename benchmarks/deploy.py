#!/usr/bin/env python3
"""Measure `make deploy` against plain `docker compose up -d --wait` and print a table (nothing is asserted).

  .venv/bin/python benchmarks/deploy.py [--repeat N] [--pipelining] [--before-ref REF]

Each round, all in this run and on this machine:
  1. empty host: the playbook `make deploy` runs (deploy.yml: engine, images, build, proxy, deploy)
     onto a project with no container, volume, rendered file or release history; images present;
  2. warm no-op: the same command again (must report changed=0 and recreate no container);
     with --pipelining, three more no-ops in the order off, off, on (ANSIBLE_PIPELINING), so that with
     the first one the runs with pipelining on and off alternate A B B A and a load that rises or
     falls during the round weighs on both alike: what pipelining saves on the local connection;
  3. baseline: the compose file step 1 rendered, brought up under another project name with
     `docker compose up -d --wait` on empty volumes (migrate and seed run as its dependencies).
Budgets (#18, printed, never asserted): the no-op at most 20 s with changed=0 and no container
recreated; the ratio empty-host / baseline no worse than 2.67 (the figure before #18) by more
than 20 %. Also printed: the tasks the no-op runs, and the lines of YAML in roles/*/tasks/ now
and at --before-ref (default: the last commit before the #16-#20 redesign, benchmarks/yaml_lines.py).
With --repeat N the rounds alternate and medians are printed.

The dev inventory is used with a project, directory, ports and release history of the
benchmark's own (project benchdeploy, ports 28780/28700/28703), so a developer's dev stack and its
data are never touched. A truly fresh machine (toolchain, engine and images installed
first) is what CI and the Molecule default scenario measure; it is not repeated here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import figures  # benchmarks/figures.py: the figures file the guides quote
import yaml_lines  # benchmarks/yaml_lines.py: lines and tasks in roles/*/tasks/ from git
from isolated_stack import overrides, remove_project  # shared with the fault suite

REPO = Path(__file__).resolve().parents[1]
PLAYBOOK = REPO / ".venv" / "bin" / "ansible-playbook"
PROJECT, BASELINE = "benchdeploy", "benchplain"
PORTS = {"nginx": 28780, "api": 28700, "sms": 28703}
NOOP_TARGET, RATIO_BEFORE = 20.0, 2.67
RATIO_TARGET = round(RATIO_BEFORE * 1.2, 2)
# The last commit before the redesign (#16-#20): YAML lines in roles/*/tasks/ are compared with it.
BEFORE_REF = yaml_lines.BEFORE_REF
STACK_ROLES = ("proxy", "compose", "deploy", "monitoring")


def run(argv: list[str], timeout: float = 1800, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env, check=False)  # noqa: S603


def containers(project: str) -> dict[str, str]:
    """Service name -> container ID of a project's running containers."""
    out = run(["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}"]).stdout.split()
    if not out:
        return {}
    fmt = '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}}'
    lines = run(["docker", "inspect", "--format", fmt, *out]).stdout.splitlines()
    return dict(line.split(" ", 1) for line in lines if line.strip())


def deploy(vars_file: Path, pipelining: bool | None = None) -> dict:
    """Run the playbook of `make deploy`; return seconds, the recap's counts and per-role seconds."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_roles"
    if pipelining is not None:
        env["ANSIBLE_PIPELINING"] = str(pipelining)
    start = time.monotonic()
    result = run([str(PLAYBOOK), "-i", "inventories/dev", "deploy.yml", "-e", f"@{vars_file}"], env=env)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"deploy failed (rc {result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-2000:]}")
    # The recap line of each host: ok (every task that ran, changed ones included), changed, skipped.
    recap = re.findall(r"^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+.*?skipped=(\d+)", result.stdout, re.M)
    ran = sum(int(ok) for ok, _changed, _skipped in recap)
    changed = sum(int(c) for _ok, c, _skipped in recap)
    skipped = sum(int(k) for _ok, _changed, k in recap)
    recap = result.stdout.split("ROLES RECAP", 1)[-1]
    roles = {
        name.rsplit(".", 1)[-1]: float(secs)
        for name, secs in re.findall(r"^([\w.]+) -+ ([\d.]+)s\s*$", recap, re.M)
        if name != "total" and not name.startswith("ansible.")
    }
    return {"seconds": seconds, "changed": changed, "ran": ran, "skipped": skipped, "roles": roles}


def baseline(project_dir: Path) -> float:
    """Seconds for plain Compose to bring the same rendered file up, healthy, on empty volumes."""
    files = ["--project-directory", str(project_dir), "-f", str(project_dir / "docker-compose.dev.yml")]
    start = time.monotonic()
    result = run(["docker", "compose", *files, "-p", BASELINE, "up", "-d", "--wait", "--quiet-pull"])
    seconds = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"docker compose up --wait failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    run(["docker", "compose", *files, "-p", BASELINE, "down", "-v", "--remove-orphans"])
    return seconds


UP_COST_PLAY = """
- name: Compose up of a running stack, by the CLI and by community.docker.docker_compose_v2
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: cli
      ansible.builtin.command:
        argv: [docker, compose, --ansi, never, --project-directory, "{{ dir }}", --project-name, "{{ project }}",
               --file, "{{ dir }}/docker-compose.dev.yml", up, --detach, --no-deps, --remove-orphans, --pull, never]
      loop: "{{ range(rounds | int) | list }}"
      changed_when: false
    - name: module
      community.docker.docker_compose_v2:
        project_src: "{{ dir }}"
        project_name: "{{ project }}"
        files: [docker-compose.dev.yml]
        dependencies: false
        remove_orphans: true
        pull: never
      loop: "{{ range(rounds | int) | list }}"
"""


def compose_up_cost(project_dir: Path, rounds: int = 5) -> dict[str, float]:
    """Seconds per no-op `up` of the running stack: the CLI in a command task, and the module."""
    play = project_dir.parent / "up-cost.yml"
    play.write_text(UP_COST_PLAY)
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
    extra = json.dumps({"dir": str(project_dir), "project": PROJECT, "rounds": rounds})
    result = run([str(PLAYBOOK), "-i", "localhost,", str(play), "-e", extra], env=env)
    if result.returncode != 0:
        sys.exit(f"the compose up cost play failed:\n{result.stdout[-3000:]}")
    recap = result.stdout.split("TASKS RECAP", 1)[-1]
    seconds = {name: float(secs) for name, secs in re.findall(r"^(cli|module) -+ ([\d.]+)s\s*$", recap, re.M)}
    return {name: seconds[name] / rounds for name in ("cli", "module")}


def one_round(root: Path, pipelining: bool) -> dict:
    load = os.getloadavg()[0]
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    vars_file = root / "overrides.json"
    vars_file.write_text(json.dumps(overrides(root, PROJECT, PORTS)))
    remove_project(PROJECT)
    remove_project(BASELINE)
    empty = deploy(vars_file)
    before = containers(PROJECT)
    noop = deploy(vars_file)
    after = containers(PROJECT)
    recreated = sorted(s for s in before if after.get(s) != before[s])
    # A B B A: noop (on), off, off, on.
    piped, unpiped = [noop], []
    if pipelining:
        unpiped = [deploy(vars_file, pipelining=False), deploy(vars_file, pipelining=False)]
        piped.append(deploy(vars_file, pipelining=True))
    up_cost = compose_up_cost(root / "stack")
    # The baseline needs the host ports the deployed stack holds; the rendered files stay.
    remove_project(PROJECT)
    plain = baseline(root / "stack")
    return {
        "empty": empty,
        "noop": noop,
        "piped": piped,
        "unpiped": unpiped,
        "up_cost": up_cost,
        "recreated": recreated,
        "services": len(before),
        "plain": plain,
        "load": load,
    }


def print_table(rounds: list[dict], before_ref: str) -> None:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    empty = med([r["empty"]["seconds"] for r in rounds])
    noop = med([r["noop"]["seconds"] for r in rounds])
    plain = med([r["plain"] for r in rounds])
    ratio = empty / plain
    changed = max(r["noop"]["changed"] for r in rounds)
    recreated = sorted({s for r in rounds for s in r["recreated"]})
    load = os.getloadavg()[0]
    started = ", ".join(f"{r['load']:.1f}" for r in rounds)
    print(
        f"\nDeploy benchmark: {len(rounds)} round(s), {rounds[0]['services']} long-running services, "
        f"load {load:.1f} now, {started} at each round's start"
    )
    print(f"{'measure':<48} {'value':>10}  target")
    print(f"{'-' * 48} {'-' * 10}  {'-' * 18}")
    print(f"{'make deploy onto an empty host (s)':<48} {empty:>10.1f}")
    print(f"{'plain docker compose up -d --wait, same file (s)':<48} {plain:>10.1f}")
    verdict = "met" if ratio <= RATIO_TARGET else "NOT met"
    target = f"<= {RATIO_TARGET} (2.67 + 20 %, {verdict})"
    print(f"{'ratio deploy / plain compose':<48} {ratio:>10.2f}  {target}")
    # The part of the run that replaces `docker compose up`: rendering, the deploy role and its gates
    # (the engine, images and build roles before it are make deploy's set-up, no-ops here).
    stack = med([sum(r["empty"]["roles"].get(n, 0.0) for n in STACK_ROLES) for r in rounds])
    print(f"{'  of which rendering and the deploy role (s)':<48} {stack:>10.1f}")
    print(f"{'  ratio of that part / plain compose':<48} {stack / plain:>10.2f}")
    verdict = "met" if noop <= NOOP_TARGET else "NOT met"
    print(f"{'make deploy again, nothing changed (s)':<48} {noop:>10.1f}  <= {NOOP_TARGET:.0f} ({verdict})")
    print(f"{'  ratio of that / plain compose':<48} {noop / plain:>10.2f}")
    print(f"{'  changed tasks in that run':<48} {changed:>10}  0")
    print(f"{'  containers it recreated':<48} {len(recreated):>10}  0 {' '.join(recreated)}")
    ran = med([r["noop"]["ran"] for r in rounds])
    skipped = med([r["noop"]["skipped"] for r in rounds])
    print(f"{'  tasks it ran (recap ok=), skipped':<48} {ran:>10.0f}  {skipped:.0f} skipped")
    values = {}
    if all(r["unpiped"] for r in rounds):
        piped = med([d["seconds"] for r in rounds for d in r["piped"]])
        unpiped = med([d["seconds"] for r in rounds for d in r["unpiped"]])
        samples = sum(len(r["unpiped"]) for r in rounds)
        print(f"{'  the no-op with pipelining, A B B A (s)':<48} {piped:>10.1f}  median of {samples}")
        print(f"{'  the no-op without pipelining, A B B A (s)':<48} {unpiped:>10.1f}  median of {samples}")
        print(f"{'  ratio with / without pipelining':<48} {piped / unpiped:>10.2f}  saves {unpiped - piped:.1f} s")
        values.update(noop_piped_s=piped, noop_unpiped_s=unpiped, pipelining_ratio=piped / unpiped)
    cli = med([r["up_cost"]["cli"] for r in rounds])
    module = med([r["up_cost"]["module"] for r in rounds])
    print(f"{'compose up of the running stack, CLI task (s)':<48} {cli:>10.2f}")
    print(f"{'  docker_compose_v2 task (s)':<48} {module:>10.2f}  {module - cli:+.2f} s per call")
    now = yaml_lines.totals(yaml_lines.tally("HEAD"))
    before = yaml_lines.totals(yaml_lines.tally(before_ref))
    print(f"{'lines of YAML in roles/*/tasks/ at HEAD':<48} {now['lines']:>10}  {now['tasks']} tasks")
    print(f"{'  at ' + before_ref + ' (before #16-#20)':<48} {before['lines']:>10}  {before['tasks']} tasks")
    print("\nSeconds per role (median), empty host / no-op:")
    names = list(rounds[0]["empty"]["roles"])
    for name in names:
        e = med([r["empty"]["roles"].get(name, 0.0) for r in rounds])
        n = med([r["noop"]["roles"].get(name, 0.0) for r in rounds])
        print(f"  {name:<20} {e:>7.1f} {n:>7.1f}")
    for i, r in enumerate(rounds, 1):
        abba = [r["piped"][0], *r["unpiped"], *r["piped"][1:]]
        pipe = " ".join(f"{d['seconds']:.1f}" for d in abba) if r["unpiped"] else "-"
        print(
            f"round {i}: empty {r['empty']['seconds']:.1f} s, no-op {r['noop']['seconds']:.1f} s, "
            f"plain {r['plain']:.1f} s, no-ops on/off/off/on {pipe} s"
        )
    # The guides quote these (docs/performance-tuning.md, README); tests/docs checks they agree.
    figures.record(
        "deploy",
        {
            "empty_host_s": empty,
            "noop_s": noop,
            "noop_changed": changed,
            "noop_recreated": len(recreated),
            "plain_compose_s": plain,
            "ratio": ratio,
            "stack_part_s": stack,
            "stack_part_ratio": stack / plain,
            "noop_plain_ratio": noop / plain,
            "noop_tasks": ran,
            "noop_skipped": skipped,
            "up_cli_s": cli,
            "up_module_s": module,
            **values,
        },
        by=f"benchmarks/deploy.py --repeat {len(rounds)}" + (" --pipelining" if values else ""),
        note=f"{f'medians of {len(rounds)} rounds' if len(rounds) > 1 else 'one round'}, load {started} at each start",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds to run (medians are printed)")
    parser.add_argument("--pipelining", action="store_true", help="also time the no-op without pipelining")
    parser.add_argument("--before-ref", default=BEFORE_REF, help="git ref whose roles/*/tasks/ YAML to compare")
    args = parser.parse_args()
    if not PLAYBOOK.exists():
        sys.exit("no toolchain in .venv: run `make venv` (or `make deploy` once) first")
    if run(["docker", "version", "--format", "{{.Server.Version}}"]).returncode != 0:
        sys.exit("no Docker engine answers: run `make engine` first")
    root = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    rounds = []
    try:
        for _ in range(args.repeat):
            rounds.append(one_round(root / "round", args.pipelining))
    finally:
        remove_project(BASELINE)
        remove_project(PROJECT)
        shutil.rmtree(root, ignore_errors=True)
    print_table(rounds, args.before_ref)


if __name__ == "__main__":
    main()

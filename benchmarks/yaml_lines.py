#!/usr/bin/env python3
"""Lines of YAML and tasks in roles/*/tasks/, per role, at two git commits (read from git; nothing is run).

  .venv/bin/python benchmarks/yaml_lines.py [--before REF] [--after REF] [--no-record]

Before (default): the last commit before the #16-#20 redesign of 2026-12-02 (the parent of
main's first commit of that day, cf52407). After (default): HEAD. Counted per role: task files,
lines (blank and comment lines included, as `wc -l` counts them) and tasks (every entry of a
task list that is not a block; a block's own tasks, rescue and always are counted instead,
include_* and import_* are one task each). Printed as a table with the totals' ratio
after / before, for all roles and for the roles that existed before (the redesign added
backup); the totals go to benchmarks/figures.json (section yaml_lines) unless --no-record.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import figures  # benchmarks/figures.py: the figures file the guides quote

REPO = Path(__file__).resolve().parents[1]
ROLES = "collections/ansible_collections/assistant/containers/roles"
# The parent of main's first commit of 2026-12-02: the roles as #16-#20 found them.
BEFORE_REF = "cf52407"
TASK_FILE = re.compile(rf"{re.escape(ROLES)}/([^/]+)/tasks/.*\.ya?ml")


def git(*args: str) -> str:
    result = subprocess.run(["git", *args], capture_output=True, text=True, cwd=REPO, check=False)  # noqa: S603, S607
    if result.returncode != 0:
        sys.exit(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def count_tasks(entries) -> int:
    """Tasks in a task list; a block counts its block, rescue and always lists, not itself."""
    total = 0
    for entry in entries or []:
        if not isinstance(entry, dict):
            continue
        if "block" in entry:
            total += sum(count_tasks(entry.get(part)) for part in ("block", "rescue", "always"))
        else:
            total += 1
    return total


def tally(ref: str) -> dict[str, dict[str, int]]:
    """Role -> {files, lines, tasks} of its tasks/ directory at a git ref."""
    roles: dict[str, dict[str, int]] = {}
    for path in git("ls-tree", "-r", "--name-only", ref, ROLES).split():
        match = TASK_FILE.fullmatch(path)
        if not match:
            continue
        text = git("show", f"{ref}:{path}")
        role = roles.setdefault(match.group(1), {"files": 0, "lines": 0, "tasks": 0})
        role["files"] += 1
        role["lines"] += len(text.splitlines())
        role["tasks"] += count_tasks(yaml.safe_load(text))
    return roles


def totals(roles: dict[str, dict[str, int]]) -> dict[str, int]:
    return {key: sum(r[key] for r in roles.values()) for key in ("files", "lines", "tasks")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", default=BEFORE_REF, help=f"the commit before (default {BEFORE_REF})")
    parser.add_argument("--after", default="HEAD", help="the commit after (default HEAD)")
    parser.add_argument("--no-record", action="store_true", help="print only; leave benchmarks/figures.json alone")
    args = parser.parse_args()
    before_id = git("rev-parse", "--short", args.before).strip()
    after_id = git("rev-parse", "--short", args.after).strip()
    before, after = tally(args.before), tally(args.after)
    print(f"roles/*/tasks/: {args.before} ({before_id}) -> {args.after} ({after_id})")
    print(f"{'role':<16} {'files':>11} {'lines':>13} {'tasks':>11}")
    print(f"{'-' * 16} {'-' * 11} {'-' * 13} {'-' * 11}")
    empty = {"files": 0, "lines": 0, "tasks": 0}
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name, empty), after.get(name, empty)
        cells = [f"{b[k]:>{w}} → {a[k]:<{w}}" for k, w in (("files", 4), ("lines", 5), ("tasks", 4))]
        print(f"{name:<16} {cells[0]:>11} {cells[1]:>13} {cells[2]:>11}")
    tb, ta = totals(before), totals(after)
    # The roles that existed before, without the ones the redesign added (backup).
    tc = totals({name: role for name, role in after.items() if name in before})
    for label, b, a in (("total", tb, ta), ("roles of both", tb, tc)):
        cells = [f"{b[k]:>{w}} → {a[k]:<{w}}" for k, w in (("files", 4), ("lines", 5), ("tasks", 4))]
        print(f"{label:<16} {cells[0]:>11} {cells[1]:>13} {cells[2]:>11}")
    for label, a in (("all roles", ta), ("roles of both", tc)):
        print(f"after / before, {label}: lines {a['lines'] / tb['lines']:.2f}, tasks {a['tasks'] / tb['tasks']:.2f}")
    if not args.no_record:
        figures.record(
            "yaml_lines",
            {
                "before_lines": tb["lines"],
                "after_lines": ta["lines"],
                "lines_ratio": ta["lines"] / tb["lines"],
                "before_tasks": tb["tasks"],
                "after_tasks": ta["tasks"],
                "tasks_ratio": ta["tasks"] / tb["tasks"],
                "before_files": tb["files"],
                "after_files": ta["files"],
                "common_after_lines": tc["lines"],
                "common_lines_ratio": tc["lines"] / tb["lines"],
                "common_after_tasks": tc["tasks"],
                "common_tasks_ratio": tc["tasks"] / tb["tasks"],
            },
            by="benchmarks/yaml_lines.py",
            note=f"roles/*/tasks/ at {before_id} (before) and {after_id} (after)",
        )


if __name__ == "__main__":
    main()

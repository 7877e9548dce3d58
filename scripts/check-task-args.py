#!/usr/bin/env python3
"""Check every task that calls another collection's module against that module's documented options.

ansible-lint's `args` rule cannot see the argument specs of modules that build their AnsibleModule inside
module_utils (all of community.docker's do), so a task with an option a new community.docker release
renamed or removed would pass lint. This reads every task under the collection's roles, playbooks/,
molecule/ and deploy.yml, and asks ansible-doc, for the collection version ansible loads, which options
and aliases each module has. Exit 1 lists each unknown option or module with its file.

Usage: scripts/check-task-args.py [collection prefix, default community.docker.]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    "collections/ansible_collections/assistant/containers/roles/*/tasks/**/*.yml",
    "collections/ansible_collections/assistant/containers/roles/*/handlers/*.yml",
    "playbooks/**/*.yml",
    "molecule/**/*.yml",
    "deploy.yml",
]
# Task keywords that may sit next to the module's arguments in the old `module: {args}` form; not options.
_NOT_ARGS = {"_raw_params"}


class _Loader(yaml.SafeLoader):
    """Ansible's YAML: tagged values (!vault, !unsafe) are kept as text."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: "")


def _tasks(node):
    """Every mapping in a YAML document that may be a task (tasks, blocks, plays, handlers)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _tasks(value)
    elif isinstance(node, list):
        for item in node:
            yield from _tasks(item)


def calls(prefix):
    """(file, module, argument names) of every task calling a module whose name starts with prefix."""
    found = []
    for pattern in SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            try:
                documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_Loader))
            except yaml.YAMLError:
                continue  # templates and fixtures that are not plain YAML
            for task in (t for d in documents for t in _tasks(d)):
                for key, value in task.items():
                    if isinstance(key, str) and key.startswith(prefix) and "." not in key[len(prefix) :]:
                        args = set(value) - _NOT_ARGS if isinstance(value, dict) else set()
                        found.append((str(path.relative_to(ROOT)), key, args))
    return found


def documented_options(modules):
    """{module: set of option names and aliases} as ansible-doc reads them for the loaded collection."""
    done = subprocess.run(  # noqa: S603 (fixed program)
        [str(Path(sys.executable).parent / "ansible-doc"), "-t", "module", "--json", *sorted(modules)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    docs = json.loads(done.stdout or "{}")
    options = {}
    for module, entry in docs.items():
        names = set()
        for name, option in ((entry.get("doc") or {}).get("options") or {}).items():
            names.add(name)
            names.update(option.get("aliases") or [])
        options[module] = names
    return options


def main() -> int:
    prefix = sys.argv[1] if len(sys.argv) > 1 else "community.docker."
    found = calls(prefix)
    options = documented_options({module for _, module, _ in found})
    problems = []
    for path, module, args in found:
        if module not in options:
            problems.append(f"{path}: {module}: no such module in the loaded collection")
            continue
        problems += [f"{path}: {module}: no option {name!r}" for name in sorted(args - options[module])]
    for line in sorted(set(problems)):
        print(line)
    modules = len({m for _, m, _ in found})
    print(f"{len(found)} tasks calling {modules} {prefix}* modules checked; {len(set(problems))} problem(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read everything the image_build role needs to know before a build, in one call (read-only).

  python3 build_probe.py '<JSON settings>'

Settings (JSON object): inputs (paths that must exist: the Dockerfile, pyproject.toml, ...),
tools_dir and tools (the gate executables' names), pyproject (path), project_dir and git_paths (the
build inputs, for git), base_image (may be empty), manifest (the offline_images manifest, read only
when base_image is empty), default_base, ca_bundle and record (the last gated build's JSON).

Prints one JSON object:
  inputs        [{path, exists, checksum}]; checksum is the SHA-1 of the content, as the stat module gives
  missing_tools names of the tools whose path does not exist
  version       the version in pyproject.toml's [project] table ("" when absent)
  git           {revision, created, source_date_epoch, dirty} of the last commit touching the build
                inputs, or {error} when git found none
  base          {ref, id}: the base image (given, else the manifest's python entry, else default_base)
                and its image ID on the Docker host (null when absent)
  ca_bundle     whether the CA bundle file exists
  record        {data, mode}: the last gated build (null when absent or unreadable) and its file mode
Problems are reported in the JSON, never as an exit code, so that the role can say what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

# The same pattern the role used in Jinja: the first version key of the [project] table.
VERSION = re.compile(r'(?ms)^\[project\][^\[]*?^version\s*=\s*"([^"]+)"')


def _run(argv):
    """(exit code, stdout, stderr) of a command; 127 when the program is missing."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)  # noqa: S603 (fixed programs)
    except OSError as exc:
        return 127, "", str(exc)
    return done.returncode, done.stdout, done.stderr


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _inputs(paths):
    found = []
    for path in paths:
        content = _read(path) if os.path.isfile(path) else None
        checksum = hashlib.sha1(content).hexdigest() if content is not None else None  # noqa: S324 (stat's checksum)
        found.append({"path": path, "exists": os.path.exists(path), "checksum": checksum})
    return found


def _version(path):
    match = VERSION.search((_read(path) or b"").decode("utf-8", "replace"))
    return match.group(1) if match else ""


def _git(project_dir, paths):
    rc, out, err = _run(["git", "-C", project_dir, "log", "-1", "--format=%h%n%cI%n%ct", "--", *paths])
    lines = out.splitlines()
    if rc != 0 or len(lines) != 3:
        return {"error": (err.strip() or "no commit touches " + ", ".join(paths))[-500:]}
    rc, out, err = _run(["git", "-C", project_dir, "status", "--porcelain", "--", *paths])
    if rc != 0:
        return {"error": err.strip()[-500:]}
    return {"revision": lines[0], "created": lines[1], "source_date_epoch": lines[2], "dirty": bool(out.strip())}


def _manifest_python(path):
    try:
        return json.loads(_read(path) or b"{}")["images"]["python"]["ref"] or ""
    except (ValueError, KeyError, TypeError):
        return ""


def _image_id(ref):
    rc, out, _err = _run(["docker", "image", "inspect", "--format", "{{.Id}}", ref])
    return out.strip() if rc == 0 and out.strip() else None


def _record(path):
    content = _read(path)
    if content is None:
        return {"data": None, "mode": None}
    try:
        data = json.loads(content)
    except ValueError:
        data = None
    return {"data": data, "mode": f"{os.stat(path).st_mode & 0o7777:04o}"}


def main():
    settings = json.loads(sys.argv[1])
    base = settings["base_image"] or _manifest_python(settings["manifest"]) or settings["default_base"]
    print(
        json.dumps(
            {
                "inputs": _inputs(settings["inputs"]),
                "missing_tools": [
                    name for name in settings["tools"] if not os.path.exists(os.path.join(settings["tools_dir"], name))
                ],
                "version": _version(settings["pyproject"]),
                "git": _git(settings["project_dir"], settings["git_paths"]),
                "base": {"ref": base, "id": _image_id(base)},
                "ca_bundle": os.path.exists(settings["ca_bundle"]),
                "record": _record(settings["record"]),
            }
        )
    )


if __name__ == "__main__":
    main()

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write a set of files under one directory: only what differs is replaced, each file atomically.

One call replaces a loop of copy tasks (one module round trip per file), which made rendering
the stack's dozen config files and eight secret copies the slowest part of a no-op deploy.
Kept free of AnsibleModule so the unit tests run it on a real temporary directory.
"""

from __future__ import annotations

import os
import stat
import tempfile


class FileSetError(Exception):
    """A file could not be checked or written; the message names it and what to do."""


def _resolve_id(value, lookup, kind):
    if value is None or value == "":
        return -1
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    try:
        return lookup(str(value))
    except KeyError:
        raise FileSetError(f"unknown {kind} {value!r}: expected a name known on the target or a numeric ID") from None


def _user(name):
    import pwd

    return pwd.getpwnam(name).pw_uid


def _group(name):
    import grp

    return grp.getgrnam(name).gr_gid


def _target(root, spec, kind, example_mode):
    """The planned item's common part (path, dest, mode, uid, gid) and the lstat of what is there now, or None."""
    rel = spec["path"]
    norm = os.path.normpath(rel)
    if os.path.isabs(rel) or norm == ".." or norm.startswith("../"):
        raise FileSetError(f"{rel}: expected a {kind} path relative to {root} that stays inside it")
    try:
        mode = int(spec["mode"], 8)
    except ValueError:
        raise FileSetError(
            f"{rel}: mode must be an octal string such as {example_mode}; found {spec['mode']!r}"
        ) from None
    item = {
        "path": rel,
        "dest": os.path.normpath(os.path.join(root, rel)),
        "mode": mode,
        "uid": _resolve_id(spec.get("owner"), _user, "owner"),
        "gid": _resolve_id(spec.get("group"), _group, "group"),
        "attrs": True,
    }
    try:
        st = os.lstat(item["dest"])
    except FileNotFoundError:
        return item, None
    item["attrs"] = (
        stat.S_IMODE(st.st_mode) != mode or item["uid"] not in (-1, st.st_uid) or item["gid"] not in (-1, st.st_gid)
    )
    return item, st


def plan(root, spec):
    """What writing one file would change: a dict with 'path', 'dest', 'content' (bool), 'attrs' (bool), 'before'."""
    item, st = _target(root, spec, "file", "0644")
    item.update(data=spec["content"].encode("utf-8"), content=True, before=None)
    if st is None:
        return item
    if not stat.S_ISREG(st.st_mode):
        raise FileSetError(f"{item['dest']} exists and is not a regular file; remove it, then run again")
    with open(item["dest"], "rb") as handle:
        item["before"] = handle.read()
    item["content"] = item["before"] != item["data"]
    return item


def plan_directory(root, spec):
    """What ensuring one directory would change: 'create' and 'attrs' (bools). Path "." is the root itself."""
    item, st = _target(root, spec, "directory", "0755")
    item["create"] = st is None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise FileSetError(f"{item['dest']} exists and is not a directory; remove it, then run again")
    return item


def apply_directory(item):
    """Create one planned directory (and missing parents, with the same mode) or fix its attributes."""
    if item["create"]:
        # Top down, each missing one with the mode (os.makedirs gives parents the default mode).
        missing, path = [], item["dest"]
        while not os.path.isdir(path):
            missing.append(path)
            path = os.path.dirname(path)
        for path in reversed(missing):
            os.mkdir(path)
            _set_attrs(path, item)
    else:
        _set_attrs(item["dest"], item)


def apply(item, validate=None):
    """Write one planned file. validate(tmp_path) raises FileSetError when the new content is refused."""
    dest = item["dest"]
    if item["content"]:
        directory = os.path.dirname(dest)
        if not os.path.isdir(directory):
            raise FileSetError(f"{directory} does not exist; create the directory first")
        fd, tmp = tempfile.mkstemp(prefix=".filesset-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(item["data"])
            _set_attrs(tmp, item)
            if validate is not None:
                validate(tmp)
            os.replace(tmp, dest)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    elif item["attrs"]:
        _set_attrs(dest, item)


def _set_attrs(path, item):
    os.chmod(path, item["mode"])
    if item["uid"] != -1 or item["gid"] != -1:
        os.chown(path, item["uid"], item["gid"])


def diff(item):
    """A diff entry in Ansible's format for one planned file (text only) or created directory."""
    if "create" in item:
        return {
            "before_header": f"{item['dest']}/ (absent)",
            "after_header": f"{item['dest']}/ (directory)",
            "before": "",
            "after": "",
        }

    def text(data):
        if data is None:
            return ""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return "(binary content)\n"

    return {
        "before_header": item["dest"] if item["before"] is not None else "(absent)",
        "after_header": item["dest"],
        "before": text(item["before"]),
        "after": text(item["data"]),
    }

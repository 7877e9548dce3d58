# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.file_set import (
    FileSetError,
    apply,
    apply_directory,
    diff,
    plan,
    plan_directory,
)


def write(root, spec, validate=None):
    item = plan(str(root), spec)
    if item["content"] or item["attrs"]:
        apply(item, validate)
    return item


def test_new_file_is_written_with_its_mode(tmp_path):
    item = write(tmp_path, {"path": "app.env", "content": "A=1\n", "mode": "0600"})
    assert item["content"] and item["before"] is None
    assert (tmp_path / "app.env").read_text() == "A=1\n"
    assert stat.S_IMODE((tmp_path / "app.env").stat().st_mode) == 0o600


def test_same_content_and_mode_plans_nothing(tmp_path):
    spec = {"path": "app.env", "content": "A=1\n", "mode": "0644"}
    write(tmp_path, spec)
    again = plan(str(tmp_path), spec)
    assert not again["content"] and not again["attrs"]


def test_mode_change_alone_keeps_the_content(tmp_path):
    write(tmp_path, {"path": "a", "content": "x", "mode": "0644"})
    inode = (tmp_path / "a").stat().st_ino
    item = write(tmp_path, {"path": "a", "content": "x", "mode": "0600"})
    assert item["attrs"] and not item["content"]
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o600
    assert (tmp_path / "a").stat().st_ino == inode


def test_owner_by_numeric_id(tmp_path):
    uid, gid = os.getuid(), os.getgid()
    item = write(tmp_path, {"path": "s", "content": "x", "mode": "0600", "owner": str(uid), "group": str(gid)})
    assert (item["uid"], item["gid"]) == (uid, gid)
    assert not plan(str(tmp_path), {"path": "s", "content": "x", "mode": "0600", "owner": str(uid)})["attrs"]


def test_unknown_owner_name_is_refused(tmp_path):
    with pytest.raises(FileSetError, match="unknown owner 'no-such-user-here'"):
        plan(str(tmp_path), {"path": "s", "content": "x", "mode": "0600", "owner": "no-such-user-here"})


def test_a_refused_file_leaves_the_old_one_and_no_temporary_file(tmp_path):
    write(tmp_path, {"path": "nginx.conf", "content": "old\n", "mode": "0644"})
    seen = []

    def refuse(tmp):
        seen.append(Path(tmp).read_text())
        raise FileSetError("nginx.conf was refused")

    with pytest.raises(FileSetError):
        write(tmp_path, {"path": "nginx.conf", "content": "new\n", "mode": "0644"}, refuse)
    assert seen == ["new\n"]
    assert (tmp_path / "nginx.conf").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nginx.conf"]


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside", "env/../../outside"])
def test_paths_outside_the_root_are_refused(tmp_path, path):
    with pytest.raises(FileSetError, match="stays inside"):
        plan(str(tmp_path), {"path": path, "content": "x", "mode": "0644"})


def test_a_directory_in_the_way_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(FileSetError, match="not a regular file"):
        plan(str(tmp_path), {"path": "d", "content": "x", "mode": "0644"})


def test_missing_parent_directory_is_reported(tmp_path):
    item = plan(str(tmp_path), {"path": "env/dev/app.env", "content": "x", "mode": "0644"})
    with pytest.raises(FileSetError, match="does not exist"):
        apply(item)


def test_diff_shows_before_and_after(tmp_path):
    write(tmp_path, {"path": "a", "content": "one\n", "mode": "0644"})
    item = plan(str(tmp_path), {"path": "a", "content": "two\n", "mode": "0644"})
    assert diff(item)["before"] == "one\n" and diff(item)["after"] == "two\n"
    new = plan(str(tmp_path), {"path": "b", "content": "x", "mode": "0644"})
    assert diff(new)["before_header"] == "(absent)"


def test_a_mode_that_is_not_octal_is_refused(tmp_path):
    with pytest.raises(FileSetError, match="octal string such as 0644; found 'rw-r--r--'"):
        plan(str(tmp_path), {"path": "a", "content": "x", "mode": "rw-r--r--"})


def test_directory_and_missing_parents_are_created_with_the_mode(tmp_path):
    item = plan_directory(str(tmp_path / "stack"), {"path": "env/dev", "mode": "0750"})
    assert item["create"]
    apply_directory(item)
    for made in ("stack", "stack/env", "stack/env/dev"):
        assert stat.S_IMODE((tmp_path / made).stat().st_mode) == 0o750
    again = plan_directory(str(tmp_path / "stack"), {"path": "env/dev", "mode": "0750"})
    assert not again["create"] and not again["attrs"]


def test_root_itself_as_dot_and_a_mode_change(tmp_path):
    root = tmp_path / "state"
    apply_directory(plan_directory(str(root), {"path": ".", "mode": "0700"}))
    item = plan_directory(str(root), {"path": ".", "mode": "0750"})
    assert not item["create"] and item["attrs"]
    apply_directory(item)
    assert stat.S_IMODE(root.stat().st_mode) == 0o750


def test_a_file_where_a_directory_is_wanted_is_refused(tmp_path):
    (tmp_path / "env").write_text("x")
    with pytest.raises(FileSetError, match="is not a directory"):
        plan_directory(str(tmp_path), {"path": "env", "mode": "0755"})


def test_directory_paths_outside_the_root_are_refused(tmp_path):
    with pytest.raises(FileSetError, match="stays inside"):
        plan_directory(str(tmp_path), {"path": "../x", "mode": "0755"})

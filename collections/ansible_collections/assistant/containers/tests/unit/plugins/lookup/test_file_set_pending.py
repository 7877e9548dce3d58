# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest
import yaml
from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible_collections.assistant.containers.plugins.lookup.file_set_pending import (
    DOCUMENTATION,
    LookupModule,
    pending,
)
from ansible_collections.assistant.containers.plugins.module_utils.file_set import (
    apply,
    apply_directory,
    plan,
    plan_directory,
)

MANIFEST = {"path": "state/images.json", "content": '{"images": {}}\n'}
STATE_DIR = {"path": "state"}


def new_lookup():
    """The lookup with its options declared, as Ansible's plugin loader does from DOCUMENTATION."""
    name = "assistant.containers.file_set_pending"
    C.config.initialize_plugin_configuration_definitions("lookup", name, yaml.safe_load(DOCUMENTATION)["options"])
    lookup = LookupModule()
    lookup._load_name = name
    return lookup


def write_all(root, directories, files):
    """What file_set does, with its defaults."""
    for spec in directories:
        apply_directory(plan_directory(str(root), {"mode": "0755", **spec}))
    for spec in files:
        item = plan(str(root), {"mode": "0644", **spec})
        if item["content"] or item["attrs"]:
            apply(item)


def test_everything_is_pending_on_an_empty_root(tmp_path):
    assert pending(str(tmp_path), [STATE_DIR], [MANIFEST]) == ["state", "state/images.json"]


def test_nothing_is_pending_after_file_set_wrote_it(tmp_path):
    write_all(tmp_path, [STATE_DIR], [MANIFEST])
    assert pending(str(tmp_path), [STATE_DIR], [MANIFEST]) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda root: (root / "state/images.json").write_text("{}\n"), ["state/images.json"]),
        (lambda root: os.chmod(root / "state/images.json", 0o600), ["state/images.json"]),
        (lambda root: os.chmod(root / "state", 0o700), ["state"]),
        (lambda root: (root / "state/images.json").unlink(), ["state/images.json"]),
    ],
    ids=["content", "file-mode", "directory-mode", "file-removed"],
)
def test_a_drift_is_pending(tmp_path, change, expected):
    write_all(tmp_path, [STATE_DIR], [MANIFEST])
    change(tmp_path)
    assert pending(str(tmp_path), [STATE_DIR], [MANIFEST]) == expected


def test_a_given_mode_is_compared(tmp_path):
    write_all(tmp_path, [STATE_DIR], [MANIFEST])
    assert pending(str(tmp_path), [{"path": "state", "mode": "0750"}], [{**MANIFEST, "mode": "0640"}]) == [
        "state",
        "state/images.json",
    ]


def test_what_cannot_be_checked_is_pending(tmp_path):
    (tmp_path / "state").write_text("a file where a directory belongs\n")
    assert pending(str(tmp_path), [STATE_DIR], [MANIFEST]) == ["state", "state/images.json"]


def test_a_bad_mode_is_pending_so_that_the_module_reports_it(tmp_path):
    assert pending(str(tmp_path), [], [{**MANIFEST, "mode": "rw-r--r--"}]) == ["state/images.json"]


def test_the_lookup_returns_the_pending_paths(tmp_path):
    write_all(tmp_path, [STATE_DIR], [MANIFEST])
    lookup = new_lookup()
    assert lookup.run([], root=str(tmp_path), directories=[STATE_DIR], files=[MANIFEST]) == []
    changed = {**MANIFEST, "content": '{"images": {"redis": {}}}\n'}
    assert lookup.run([], root=str(tmp_path), files=[changed]) == ["state/images.json"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"files": [{"path": "a"}]}, "each entry of files needs path and content"),
        ({"directories": [{"mode": "0755"}]}, "each entry of directories needs path"),
    ],
)
def test_the_lookup_refuses_entries_without_their_keys(tmp_path, options, message):
    with pytest.raises(AnsibleLookupError, match=message):
        new_lookup().run([], root=str(tmp_path), **options)

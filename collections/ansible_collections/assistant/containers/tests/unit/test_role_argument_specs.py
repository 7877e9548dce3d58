# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every role's argument spec and its defaults/main.yml say the same thing.

Defaults are written twice (the spec validates and documents them, defaults/main.yml sets them);
these tests are what keeps the two from drifting. YAML anchors in a spec (one option shared by
several entry points) are resolved as Ansible resolves them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"
ROLE_NAMES = sorted(p.name for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").is_file())


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _specs(role):
    return _load(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"]


def _defaults(role):
    path = ROLES / role / "defaults" / "main.yml"
    return _load(path) if path.is_file() else {}


def _options(role):
    """(entry point, option name, option) for every option of every entry point."""
    return [(entry, name, option) for entry, spec in _specs(role).items() for name, option in spec["options"].items()]


def test_every_role_has_an_argument_spec():
    with_tasks = sorted(p.name for p in ROLES.iterdir() if (p / "tasks").is_dir())
    assert with_tasks == ROLE_NAMES


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_spec_defaults_equal_defaults_main(role):
    defaults = _defaults(role)
    wrong = [
        f"{entry}.{name}: spec {option['default']!r}, defaults/main.yml {defaults.get(name, '(absent)')!r}"
        for entry, name, option in _options(role)
        if "default" in option and (name not in defaults or defaults[name] != option["default"])
    ]
    assert wrong == [], f"role {role}: argument spec defaults differ from defaults/main.yml"


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_default_is_a_documented_option(role):
    # A large structured default (a catalog, a port map) may be declared without repeating it in the spec.
    documented = {name for _entry, name, _option in _options(role)}
    undocumented = sorted(set(_defaults(role)) - documented)
    assert undocumented == [], f"role {role}: defaults/main.yml sets options no entry point's spec declares"


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_option_has_a_type_and_a_description(role):
    bare = [
        f"{entry}.{name}"
        for entry, name, option in _options(role)
        if not option.get("type") or not option.get("description")
    ]
    assert bare == []


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_an_option_shared_by_entry_points_has_one_default(role):
    seen, differing = {}, []
    for entry, name, option in _options(role):
        if "default" not in option:
            continue
        if name in seen and seen[name][1] != option["default"]:
            differing.append(f"{name}: {seen[name][0]} {seen[name][1]!r}, {entry} {option['default']!r}")
        seen.setdefault(name, (entry, option["default"]))
    assert differing == []


def test_the_check_finds_a_drifted_default(tmp_path, monkeypatch):
    """The comparison above fails when a default differs: a test that cannot fail is a defect."""
    role = tmp_path / "demo"
    (role / "meta").mkdir(parents=True)
    (role / "defaults").mkdir()
    (role / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    options:\n"
        "      demo_a: &a {type: int, description: A., default: 1}\n"
        "  other:\n    options:\n      demo_a: *a\n"
    )
    (role / "defaults" / "main.yml").write_text("demo_a: 2\n")
    monkeypatch.setitem(globals(), "ROLES", tmp_path)
    with pytest.raises(AssertionError, match=re.escape("main.demo_a: spec 1, defaults/main.yml 2")):
        test_spec_defaults_equal_defaults_main("demo")

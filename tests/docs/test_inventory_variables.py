"""Every variable an inventory sets is read by something: a role declares it, or it is a documented plain variable.

A setting that no role reads is silently ignored, and a guide that describes it promises what the code does not
do (compose_redis_persistence was such a variable: set in every inventory, described in backup-restore.md, read by
no role). Covered: the group_vars of inventories/{dev,stage,prod} (vault files aside: encrypted, and their
vault_* names are read through the non-vault files), the host and group vars in each hosts.yml, and the Molecule
scenarios' host_vars. ``ansible_*`` are Ansible's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = ROOT / "collections/ansible_collections/assistant/containers/roles"

# Variables the playbooks read themselves (no role declares them), each with the guide that documents it.
PLAIN = {
    "deploy_allow_test_vault": "docs/deployment.md",
}


class _Loader(yaml.SafeLoader):
    """Reads !vault values as opaque strings (the names are what matter here)."""


_Loader.add_constructor("!vault", lambda loader, node: "vault")


def _load(path: Path):
    return yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 (a SafeLoader that also reads !vault)


def _declared() -> set[str]:
    names = set()
    for spec in ROLES.glob("*/meta/argument_specs.yml"):
        for entry in (yaml.safe_load(spec.read_text()).get("argument_specs") or {}).values():
            names.update((entry or {}).get("options") or {})
    return names


def _hosts_file_vars(node, found: set[str]) -> None:
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "vars" and isinstance(value, dict):
            found.update(value)
        elif key == "hosts" and isinstance(value, dict):
            for host_vars in value.values():
                if isinstance(host_vars, dict):
                    found.update(host_vars)
        elif isinstance(value, dict):
            _hosts_file_vars(value, found)


def _settings() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ROOT.glob("inventories/*/group_vars/all/*.yml")):
        if not path.name.startswith("vault"):
            found += [(str(path.relative_to(ROOT)), name) for name in _load(path) or {}]
    for path in sorted(ROOT.glob("inventories/*/hosts.yml")):
        names: set[str] = set()
        _hosts_file_vars(_load(path), names)
        found += [(str(path.relative_to(ROOT)), name) for name in sorted(names)]
    for path in sorted(ROOT.glob("molecule/*/host_vars/*.yml")):
        found += [(str(path.relative_to(ROOT)), name) for name in _load(path) or {}]
    return found


def test_the_inventories_are_read():
    settings = _settings()
    assert len(settings) > 50, f"found only {len(settings)} settings: the test would pass vacuously"


def test_every_inventory_variable_is_declared_or_documented():
    declared = _declared()
    unread = sorted(
        f"{where}: {name}"
        for where, name in _settings()
        if name not in declared and name not in PLAIN and not name.startswith("ansible_")
    )
    assert not unread, (
        "inventories set variables that no role declares in meta/argument_specs.yml and that are not documented "
        f"plain variables (PLAIN in this test): {unread}. A role that reads one declares it; else remove it."
    )


@pytest.mark.parametrize("name, guide", sorted(PLAIN.items()))
def test_plain_variables_are_documented(name, guide):
    assert name in (ROOT / guide).read_text(), f"{name} is a plain variable but {guide} does not describe it"

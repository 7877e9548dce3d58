# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection uses other projects' public interfaces only.

community.docker 5.0 made its module_utils (``common_api``, ``_api``, the client's ``_get``/``_url``...)
private; a collection that imported them broke. So no file under plugins/ may import another collection's
Python code, use another collection's doc fragment, or reach into an object's private attribute (a name
with one leading underscore on anything but ``self``/``cls``, such as the Docker SDK client's ``_get``).
"""

from __future__ import annotations

import ast
import pathlib

import pytest
import yaml

PLUGINS = pathlib.Path(__file__).resolve().parents[2] / "plugins"
OWN_PACKAGE = "ansible_collections.assistant.containers."
# Doc fragments a module may extend: ours and ansible-core's.
OWN_FRAGMENTS = ("assistant.containers.", "ansible.builtin.")
# AnsibleModule's diff-mode flag: underscored, but the way ansible-core's own modules ask for --diff.
ANSIBLE_MODULE_FLAGS = {"_diff"}


def _is_private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _own_names(tree):
    """Names bound to this collection's own modules (``from ...module_utils import input_checks as ic``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(OWN_PACKAGE):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.asname for alias in node.names if alias.name.startswith(OWN_PACKAGE) and alias.asname)
    return names


def violations(source, filename="<sample>"):
    """Every use of another project's non-public interface in one Python source, as messages.

    The collection's own modules are not another project: ``ic._kind`` on an own module is left alone.
    """
    found = []
    tree = ast.parse(source, filename)
    own = _own_names(tree) | {"self", "cls"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
            if not node.module.startswith(OWN_PACKAGE):
                found += [
                    f"{filename}:{node.lineno}: imports private name {alias.name} from {node.module}"
                    for alias in node.names
                    if _is_private(alias.name)
                ]
        else:
            modules = []
        for module in modules:
            if module.startswith("ansible_collections.") and not module.startswith(OWN_PACKAGE):
                found.append(f"{filename}:{node.lineno}: imports {module} (another collection's Python code)")
            if any(_is_private(part) for part in module.split(".")) and not module.startswith(OWN_PACKAGE):
                found.append(f"{filename}:{node.lineno}: imports private module {module}")
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in own) and not (
                node.attr in ANSIBLE_MODULE_FLAGS and ast.unparse(owner).endswith("module")
            ):
                found.append(f"{filename}:{node.lineno}: uses private attribute {ast.unparse(node)}")
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DOCUMENTATION" for t in node.targets
        ):
            fragments = (yaml.safe_load(ast.literal_eval(node.value)) or {}).get("extends_documentation_fragment") or []
            found += [
                f"{filename}:{node.lineno}: extends another collection's doc fragment {fragment}"
                for fragment in fragments
                if not fragment.startswith(OWN_FRAGMENTS)
            ]
    return found


def _plugin_files():
    return sorted(PLUGINS.rglob("*.py"))


def test_there_are_plugins_to_check():
    names = {p.name for p in _plugin_files()}
    assert {"docker_client.py", "stack_health_info.py", "image_budget_info.py"} <= names


@pytest.mark.parametrize("path", _plugin_files(), ids=lambda p: str(p.relative_to(PLUGINS)))
def test_plugin_uses_public_interfaces_only(path):
    assert violations(path.read_text(encoding="utf-8"), str(path.relative_to(PLUGINS))) == []


@pytest.mark.parametrize(
    "source",
    [
        "from ansible_collections.community.docker.plugins.module_utils.common_api import AnsibleDockerClient",
        "from ansible_collections.community.docker.plugins.module_utils._api.errors import NotFound",
        "import ansible_collections.community.docker.plugins.module_utils.util",
        "from docker.utils import _private_helper",
        "import docker._internal",
        "response = self.client._get(self.client._url('/containers/{0}/logs', cid))",
        "output = client.api._get_result_tty(False, response, tty)",
        "self.client.api._raise_for_status(response)",
        "client._diff",
        "from docker import errors as ic\nic._private()",
        'DOCUMENTATION = """\nextends_documentation_fragment:\n  - community.docker.attributes\n"""',
    ],
)
def test_the_check_finds_private_use(source):
    assert violations(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from ansible_collections.assistant.containers.plugins.module_utils.docker_client import run_module",
        "from ansible_collections.assistant.containers.plugins.module_utils.docker_client import _version_tuple",
        "import docker\nfrom docker.errors import NotFound",
        "self._observe()",
        "from ansible_collections.assistant.containers.plugins.module_utils import input_checks as ic\nic._kind(1)",
        "if module._diff:\n    pass",
        "value = obj.__class__",
        "client.api.logs(cid, tail=20)",
        'DOCUMENTATION = """\nextends_documentation_fragment:\n  - assistant.containers.docker\n"""',
    ],
)
def test_the_check_allows_public_use(source):
    assert violations(source) == []

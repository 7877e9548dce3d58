# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.image_budget import (
    DEFAULT_FORBIDDEN,
    MAX_REPORTED_PATHS,
    BudgetError,
    compile_forbidden,
    evaluate_budget,
    find_forbidden,
    glob_to_regex,
    healthcheck_of,
    image_facts,
    normalize_archive_path,
    parse_required_labels,
    user_is_root,
    violations_message,
)

BASE = {"Id": "sha256:base", "Size": 100_000_000, "RootFS": {"Layers": ["sha256:l1"]}, "Config": {}}


def _image(
    size=150_000_000,
    layers=("sha256:l1", "sha256:l2", "sha256:l3"),
    user="10001",
    labels=None,
    healthcheck=None,
    ports=None,
):
    config = {"User": user, "Labels": labels, "ExposedPorts": ports}
    if healthcheck is not None:
        config["Healthcheck"] = {"Test": healthcheck, "Interval": 10_000_000_000, "Retries": 3}
    return {
        "Id": "sha256:img",
        "RepoTags": ["app:1"],
        "Size": size,
        "RootFS": {"Layers": list(layers)},
        "Config": config,
    }


# ---- glob patterns and the default forbidden list --------------------------------------------


@pytest.mark.parametrize(
    "pattern, path, matches",
    [
        ("/**/bin/pip", "/usr/local/bin/pip", True),
        ("/**/bin/pip", "/bin/pip", True),
        ("/**/bin/pip", "/opt/venv/bin/pip", True),
        ("/**/bin/pip", "/usr/local/bin/pipx", False),
        ("/**/bin/pip", "/usr/local/bin/pip/extra", False),
        ("/usr/*/pip", "/usr/local/pip", True),
        ("/usr/*/pip", "/usr/local/lib/pip", False),
        ("/usr/lib/python3.1?/x", "/usr/lib/python3.13/x", True),
        ("/usr/lib/python3.[0-9]/x", "/usr/lib/python3.9/x", True),
        ("/usr/lib/python3.[!0-8]/x", "/usr/lib/python3.8/x", False),
        ("/a.b", "/aXb", False),  # a dot is literal
        ("/**", "/anything/at/all", True),
    ],
)
def test_glob_to_regex(pattern, path, matches):
    assert bool(glob_to_regex(pattern).match(path)) is matches


@pytest.mark.parametrize(
    "pattern",
    [
        "usr/bin/pip",
        "",
        "/",
        "/usr//bin",
        "/usr/**pip",
        "/usr/[abc",
        "/usr/[]",
        None,
        3,
    ],
)
def test_glob_to_regex_malformed(pattern):
    with pytest.raises(BudgetError):
        glob_to_regex(pattern)


@pytest.mark.parametrize(
    "path, rule",
    [
        ("/usr/local/bin/pip", "pip"),
        ("/usr/local/bin/pip3", "pip"),
        ("/usr/bin/pip3.13", "pip"),
        ("/opt/venv/bin/pip", "pip"),
        ("/usr/local/lib/python3.13/site-packages/pip", "pip"),
        ("/usr/lib/python3/dist-packages/pip", "pip"),
        ("/usr/lib/python3.11/dist-packages/pip", "pip"),
        ("/opt/venv/lib/python3.12/site-packages/pip", "pip"),
        ("/app/.venv/lib/python3.13/site-packages/pip", "pip"),
        ("/usr/share/python-wheels/pip-24.0-py3-none-any.whl", "pip"),
        ("/usr/local/lib/python3.13/ensurepip/_bundled/pip-24.3.1-py3-none-any.whl", "pip"),
        ("/usr/local/lib/python3.13/site-packages/setuptools", "setuptools"),
        ("/opt/venv/lib/python3.13/site-packages/pkg_resources", "setuptools"),
        ("/usr/share/python-wheels/setuptools-68.1.2-py3-none-any.whl", "setuptools"),
        ("/usr/lib/python3/dist-packages/wheel", "wheel"),
        ("/opt/venv/bin/wheel", "wheel"),
        ("/usr/share/python-wheels/wheel-0.42.0-py3-none-any.whl", "wheel"),
        ("/usr/local/bin/uv", "uv"),
        ("/bin/uvx", "uv"),
        ("/root/.local/bin/uv", "uv"),
        ("/usr/local/lib/python3.13/site-packages/uv", "uv"),
        ("/usr/bin/gcc", "gcc"),
        ("/usr/bin/gcc-14", "gcc"),
        ("/usr/bin/x86_64-linux-gnu-gcc-14", "gcc"),
        ("/usr/bin/g++", "gcc"),
        ("/usr/libexec/gcc/x86_64-linux-gnu/14/cc1", "gcc"),
        ("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "gcc"),
        ("/usr/bin/cc", "cc"),
        ("/usr/bin/c++", "cc"),
        ("/usr/bin/clang-19", "cc"),
    ],
)
def test_default_forbidden_catches(path, rule):
    assert find_forbidden([path], compile_forbidden(DEFAULT_FORBIDDEN)) == {rule: [path]}


@pytest.mark.parametrize(
    "path",
    [
        "/usr/local/lib/python3.13/site-packages/pip/__init__.py",  # the package dir is reported, not each file
        "/usr/local/lib/python3.13/site-packages/pipx",
        "/usr/local/lib/python3.13/site-packages/pip-24.0.dist-info",
        "/usr/local/lib/python3.13/site-packages/fastapi",
        "/usr/lib/gcc/x86_64-linux-gnu/14/libgcc_s.so",  # runtime library of gcc, not the compiler
        "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
        "/usr/bin/python3.13",
        "/usr/bin/uvicorn",
        "/opt/venv/bin/uvicorn",
        "/usr/share/doc/gcc-14-base",
        "/etc/alternatives/cc-backup",
        "/usr/bin/ccache-not",
    ],
)
def test_default_forbidden_ignores(path):
    assert find_forbidden([path], compile_forbidden(DEFAULT_FORBIDDEN)) == {}


def test_find_forbidden_groups_sorted_and_normalizes():
    rules = compile_forbidden([{"name": "tool", "paths": ["/**/bin/tool"]}])
    found = find_forbidden(["usr/bin/tool/", "/bin/tool", "usr/bin/tool", "/etc/x"], rules)
    assert found == {"tool": ["/bin/tool", "/usr/bin/tool"]}


@pytest.mark.parametrize(
    "rules, message",
    [
        ([{"name": "x"}], 'non-empty list "paths"'),
        ([{"paths": ["/x"]}], 'non-empty "name"'),
        (["pip"], "expected a mapping"),
        ([{"name": "x", "paths": ["/a"]}, {"name": "x", "paths": ["/b"]}], "used twice"),
        ([{"name": "x", "paths": ["relative/path"]}], 'Start the pattern with "/"'),
    ],
)
def test_compile_forbidden_malformed(rules, message):
    with pytest.raises(BudgetError, match=message):
        compile_forbidden(rules)


def test_compile_forbidden_empty_disables():
    assert compile_forbidden([]) == []
    assert compile_forbidden(None) == []


@pytest.mark.parametrize(
    "name, expected",
    [
        ("usr/bin/pip", "/usr/bin/pip"),
        ("./usr/bin/pip", "/usr/bin/pip"),
        ("usr/lib/", "/usr/lib"),
        (".", "/"),
        ("./", "/"),
    ],
)
def test_normalize_archive_path(name, expected):
    assert normalize_archive_path(name) == expected


# ---- labels, users, health checks ------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ([], []),
        (None, []),
        (["org.opencontainers.image.version"], [("org.opencontainers.image.version", None)]),
        (["a=b", "c= d=e"], [("a", "b"), ("c", " d=e")]),
        (["a="], [("a", "")]),
    ],
)
def test_parse_required_labels(value, expected):
    assert parse_required_labels(value) == expected


@pytest.mark.parametrize("value", [["=x"], [""], [" "], [3]])
def test_parse_required_labels_malformed(value):
    with pytest.raises(BudgetError, match="required_labels"):
        parse_required_labels(value)


ETC_USERS = "root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/app:/usr/sbin/nologin\ntoor:x:0:0::/:/bin/sh\n"


@pytest.mark.parametrize(
    "user, passwd, expected",
    [
        ("", None, True),
        (None, None, True),
        ("root", None, True),
        ("0", None, True),
        ("0:0", None, True),
        ("root:app", None, True),
        ("10001", None, False),
        ("10001:10001", None, False),
        ("app", None, None),
        ("app", ETC_USERS, False),
        ("app:app", ETC_USERS, False),
        ("toor", ETC_USERS, True),
        ("ghost", ETC_USERS, None),
    ],
)
def test_user_is_root(user, passwd, expected):
    assert user_is_root(user, passwd) is expected


@pytest.mark.parametrize(
    "config, present",
    [
        ({}, False),
        (None, False),
        ({"Healthcheck": {"Test": ["NONE"]}}, False),
        ({"Healthcheck": {"Test": []}}, False),
        ({"Healthcheck": {"Test": ["CMD", "assistant", "healthcheck"]}}, True),
        ({"Healthcheck": {"Test": ["CMD-SHELL", "exit 0"]}}, True),
    ],
)
def test_healthcheck_of(config, present):
    assert (healthcheck_of(config) is not None) is present


# ---- facts and verdicts ----------------------------------------------------------------------


def test_image_facts_with_base():
    facts = image_facts(
        _image(labels={"a": "b"}, ports={"8000/tcp": {}, "8001/tcp": {}}, healthcheck=["CMD", "x"]), BASE, "base:1"
    )
    assert facts["size"] == 150_000_000
    assert facts["size_human"] == "150 MB"
    assert facts["layers"] == 3
    assert facts["user"] == "10001"
    assert facts["exposed_ports"] == ["8000/tcp", "8001/tcp"]
    assert facts["labels"] == {"a": "b"}
    assert facts["healthcheck"]["test"] == ["CMD", "x"]
    assert facts["base_image"]["is_ancestor"] is True
    assert facts["base_image"]["layers_above_base"] == 2
    assert facts["size_above_base"] == 50_000_000


def test_image_facts_base_not_ancestor():
    facts = image_facts(_image(layers=("sha256:other", "sha256:l2")), BASE, "base:1")
    assert facts["base_image"]["is_ancestor"] is False
    assert facts["size_above_base"] is None


def test_image_facts_without_base_has_no_above_size():
    facts = image_facts(_image())
    assert facts["base_image"] is None
    assert "size_above_base" not in facts


def _checks(violations):
    return [v["check"] for v in violations]


@pytest.mark.parametrize(
    "budget, checks",
    [
        ({}, []),
        ({"max_size": 150_000_000}, []),  # equal to the budget is within it
        ({"max_size": 149_999_999}, ["max_size"]),
        ({"max_size_above_base": 50_000_000}, []),
        ({"max_size_above_base": 40_000_000}, ["max_size_above_base"]),
        ({"required_labels": [("org.opencontainers.image.version", None)]}, []),
        ({"required_labels": [("org.opencontainers.image.version", "1.0")]}, []),
        ({"required_labels": [("org.opencontainers.image.version", "2.0")]}, ["required_labels"]),
        ({"required_labels": [("missing", None), ("empty", None)]}, ["required_labels", "required_labels"]),
        ({"non_root": True}, []),
        ({"healthcheck_required": True}, []),
        ({"max_size": 1, "max_size_above_base": 1, "non_root": True}, ["max_size", "max_size_above_base"]),
    ],
)
def test_evaluate_budget(budget, checks):
    facts = image_facts(
        _image(labels={"org.opencontainers.image.version": "1.0", "empty": ""}, healthcheck=["CMD", "x"]),
        BASE,
        "base:1",
    )
    assert _checks(evaluate_budget(facts, budget, root=False)) == checks


def test_every_violation_says_expected_and_found():
    facts = image_facts(_image(size=300_000_000, user="", labels={}), BASE, "base:1")
    budget = {
        "max_size": 200 * 1000**2,
        "max_size_above_base": 100 * 1000**2,
        "required_labels": [("org.opencontainers.image.revision", None)],
        "non_root": True,
        "healthcheck_required": True,
    }
    found = {"pip": ["/usr/local/bin/pip"], "gcc": ["/usr/bin/gcc"]}
    violations = evaluate_budget(facts, budget, forbidden_found=found, root=user_is_root(""))
    assert _checks(violations) == [
        "max_size",
        "max_size_above_base",
        "required_labels",
        "non_root",
        "healthcheck_required",
        "forbidden",
        "forbidden",
    ]
    assert violations[0]["expected"] == "<= 200 MB (200000000 bytes)"
    assert violations[0]["found"] == "300 MB (300000000 bytes)"
    assert "over the budget of 200 MB by 100 MB" in violations[0]["message"]
    assert violations[1]["found"] == "200 MB (200000000 bytes)"
    assert violations[3]["found"] == "no USER (root)"
    assert violations[5]["found"] == "/usr/bin/gcc"  # sorted by rule name: gcc before pip
    for item in violations:
        assert item["expected"] and item["found"] and item["message"]
    message = violations_message("app:1", violations)
    assert message.startswith("Image app:1 breaks its budget (7 violations):")
    assert "- max_size: image is 300 MB" in message
    assert "report_only=true" in message


def test_base_not_ancestor_is_a_violation():
    facts = image_facts(_image(layers=("sha256:x",)), BASE, "base:1")
    violations = evaluate_budget(facts, {"max_size_above_base": 1})
    assert _checks(violations) == ["base_image"]


@pytest.mark.parametrize(
    "root, found",
    [
        (True, "USER 'root' (root)"),
        (None, "USER 'root' (not found in /etc/passwd)"),
    ],
)
def test_non_root_violation(root, found):
    facts = image_facts(_image(user="root"))
    violations = evaluate_budget(facts, {"non_root": True}, root=root)
    assert _checks(violations) == ["non_root"]
    assert violations[0]["found"] == found


def test_missing_healthcheck_violation():
    violations = evaluate_budget(image_facts(_image()), {"healthcheck_required": True}, root=False)
    assert violations == [
        {
            "check": "healthcheck_required",
            "expected": "a HEALTHCHECK",
            "found": "no health check",
            "message": "image has no HEALTHCHECK; add one to the Dockerfile",
        }
    ]


def test_forbidden_paths_are_capped():
    paths = [f"/p{i:02d}" for i in range(MAX_REPORTED_PATHS + 3)]
    violations = evaluate_budget(image_facts(_image()), {}, forbidden_found={"junk": paths})
    assert violations[0]["found"].endswith("(and 3 more)")
    assert violations[0]["found"].count("/p") == MAX_REPORTED_PATHS

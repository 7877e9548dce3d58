# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
from ansible_collections.assistant.containers.plugins.module_utils import image_build as ib

GIT = {"revision": "abc1234", "created": "2026-12-01T10:00:00+00:00", "source_date_epoch": "1796119200", "dirty": False}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[project]\nname = "app"\nversion = "1.2.0"\n', "1.2.0"),
        ('[tool.x]\nversion = "9"\n[project]\nname = "a"\nversion = "0.1.0"\n', "0.1.0"),
        ('[project]\nname = "a"\n', ""),
        ("not = [toml", ""),
        ("[project]\nversion = 3\n", ""),
    ],
)
def test_pyproject_version(text, expected):
    assert ib.pyproject_version(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "abc1234\n2026-12-01T10:00:00+00:00\n1796119200\n",
            {"revision": "abc1234", "created": "2026-12-01T10:00:00+00:00", "source_date_epoch": "1796119200"},
        ),
        ("", None),
        ("abc\n", None),
    ],
)
def test_parse_git_log(text, expected):
    assert ib.parse_git_log(text) == expected


@pytest.mark.parametrize(
    ("version", "dirty", "environment", "tags"),
    [
        ("1.0", False, "dev", ["1.0", "abc1234", "dev"]),
        ("1.0", True, "dev", ["1.0", "abc1234-dirty", "dev"]),
        ("dev", False, "dev", ["dev", "abc1234"]),
    ],
)
def test_image_result(version, dirty, environment, tags):
    result = ib.image_result("r/app", version, {**GIT, "dirty": dirty}, environment, "python:3.13-slim-trixie")
    assert result["tags"] == tags
    assert result["refs"] == [f"r/app:{t}" for t in tags]
    assert result["created"] == GIT["created"]
    assert result["base_image"] == "python:3.13-slim-trixie"


def test_build_fingerprint_follows_every_input():
    base = ib.build_fingerprint("ctx", "runtime", "sha256:b", {"A": "1"})
    assert base == ib.build_fingerprint("ctx", "runtime", "sha256:b", {"A": "1"})
    assert base != ib.build_fingerprint("ctx2", "runtime", "sha256:b", {"A": "1"})
    assert base != ib.build_fingerprint("ctx", "dev", "sha256:b", {"A": "1"})
    assert base != ib.build_fingerprint("ctx", "runtime", "sha256:c", {"A": "1"})
    assert base != ib.build_fingerprint("ctx", "runtime", "sha256:b", {"A": "2"})
    assert base != ib.build_fingerprint("ctx", "runtime", None, {"A": "1"})


REFS = ["r:1", "r:abc", "r:dev"]


def _img(image_id, fp="fp"):
    return {"id": image_id, "labels": {ib.INPUTS_LABEL: fp}}


@pytest.mark.parametrize(
    ("images", "current"),
    [
        ({r: _img("sha256:x") for r in REFS}, True),
        ({}, False),
        ({"r:1": _img("sha256:x"), "r:abc": _img("sha256:x")}, False),
        ({**{r: _img("sha256:x") for r in REFS}, "r:dev": _img("sha256:y")}, False),
        ({r: _img("sha256:x", "other") for r in REFS}, False),
        ({r: {"id": "sha256:x", "labels": {}} for r in REFS}, False),
    ],
)
def test_build_state(images, current):
    state = ib.build_state(REFS, images, "fp")
    assert state["current"] is current
    assert state["id"] == ("sha256:x" if current else "")
    assert set(state["before"]) == set(REFS)


def test_gate_key_and_reuse():
    key = ib.gate_key("sha256:x", ["c1"], {"gates": ["budget"]})
    assert key != ib.gate_key("sha256:y", ["c1"], {"gates": ["budget"]})
    assert key != ib.gate_key("sha256:x", ["c2"], {"gates": ["budget"]})
    assert key != ib.gate_key("sha256:x", ["c1"], {"gates": ["hadolint"]})
    previous = {"gated": {"key": key, "at": 1000, "findings": [{"gate": "budget"}]}}
    assert ib.gate_reuse(previous, key, 1500, 3600) == {"reuse": True, "at": 1000, "findings": [{"gate": "budget"}]}
    assert ib.gate_reuse(previous, key, 5000, 3600)["reuse"] is False
    assert ib.gate_reuse(previous, "other", 1500, 3600)["reuse"] is False
    assert ib.gate_reuse(previous, key, 1500, 0)["reuse"] is False
    assert ib.gate_reuse(None, key, 1500, 3600) == {"reuse": False, "at": 1500, "findings": []}


HADOLINT = [
    {"level": "error", "code": "DL3020", "line": 5, "message": "Use COPY"},
    {"level": "warning", "code": "DL3008", "line": 7, "message": "Pin versions"},
    {"level": "style", "code": "DL4006", "line": 9, "message": "pipefail"},
]


@pytest.mark.parametrize(
    ("threshold", "status", "critical_count"),
    [("error", "failed", 1), ("warning", "failed", 2), ("style", "failed", 3)],
)
def test_hadolint_finding(threshold, status, critical_count):
    f = ib.hadolint_finding({"rc": 0, "stdout": json.dumps(HADOLINT), "stderr": ""}, threshold, False)
    assert f["status"] == status
    assert f["critical"] is True
    assert f"{critical_count} at or above" in f["summary"]
    assert f["details"][0] == "error DL3020 at line 5: Use COPY"


@pytest.mark.parametrize(
    ("result", "unchecked_is_critical", "status", "critical"),
    [
        ({"rc": 0, "stdout": "[]", "stderr": ""}, False, "passed", False),
        ({"rc": 1, "stdout": "", "stderr": "boom"}, False, "not_checked", False),
        ({"rc": 1, "stdout": "", "stderr": "boom"}, True, "not_checked", True),
        ({"rc": 0, "stdout": "not json", "stderr": ""}, False, "not_checked", False),
    ],
)
def test_hadolint_unchecked(result, unchecked_is_critical, status, critical):
    f = ib.hadolint_finding(result, "error", unchecked_is_critical)
    assert (f["status"], f["critical"]) == (status, critical)


CHECKOV_FAIL = {
    "results": {
        "failed_checks": [{"check_id": "CKV_DOCKER_2", "check_name": "HEALTHCHECK", "file_line_range": [1, 6]}]
    },
    "summary": {"passed": 10},
}


@pytest.mark.parametrize(
    ("stdout", "skip", "status", "critical", "summary"),
    [
        (json.dumps(CHECKOV_FAIL), [], "failed", True, "10 passed, 1 failed"),
        (
            json.dumps([CHECKOV_FAIL, {"results": {}, "summary": {"passed": 2}}]),
            [],
            "failed",
            True,
            "12 passed, 1 failed",
        ),
        (
            json.dumps({"results": {"failed_checks": []}, "summary": {"passed": 3}}),
            [{"id": "CKV_DOCKER_3", "why": "w"}],
            "passed",
            False,
            "3 passed, 0 failed, skipped: CKV_DOCKER_3",
        ),
        ("", [], "not_checked", False, "NOT CHECKED"),
    ],
)
def test_checkov_finding(stdout, skip, status, critical, summary):
    f = ib.checkov_finding({"rc": 0, "stdout": stdout, "stderr": "err"}, skip, False)
    assert (f["status"], f["critical"]) == (status, critical)
    assert f["summary"].startswith(summary)
    if status == "failed":
        assert f["details"] == ["CKV_DOCKER_2 HEALTHCHECK (lines 1-6)"]


def _audit(deps):
    return {"rc": 0, "stdout": json.dumps({"dependencies": deps}), "stderr": ""}


@pytest.mark.parametrize(
    ("result", "unchecked_is_critical", "status", "critical"),
    [
        (_audit([{"name": "a", "version": "1", "vulns": []}]), False, "passed", False),
        (
            _audit([{"name": "a", "version": "1", "vulns": [{"id": "X", "fix_versions": ["2"], "aliases": ["C"]}]}]),
            False,
            "failed",
            True,
        ),
        (_audit([{"name": "a", "skip_reason": "offline"}]), False, "not_checked", False),
        (_audit([{"name": "a", "skip_reason": "offline"}]), True, "not_checked", True),
        ({"rc": 1, "stdout": "", "stderr": "no network"}, False, "not_checked", False),
    ],
)
def test_pip_audit_finding(result, unchecked_is_critical, status, critical):
    f = ib.pip_audit_finding(result, "pypi", unchecked_is_critical)
    assert (f["status"], f["critical"]) == (status, critical)
    if status == "failed":
        assert f["details"] == [
            "a 1: X (C); fixed in 2: raise it with uv lock --upgrade-package a in app/, then make lock"
        ]


def test_budget_finding():
    result = {
        "passed": False,
        "image": {"size": 210e6, "size_above_base": 80e6},
        "violations": [{"message": "too big"}],
    }
    f = ib.budget_finding(result, {"max_size": "200MB"})
    assert (f["status"], f["critical"], f["details"]) == ("failed", True, ["too big"])
    assert f["summary"].startswith("210.0 MB (80.0 MB above the base), 1 violation(s) of max 200MB")
    ok = ib.budget_finding({"passed": True, "image": {"size": 1e6}, "violations": []}, {})
    assert (ok["status"], ok["critical"]) == ("passed", False)


@pytest.mark.parametrize(
    ("report", "status", "critical"),
    [
        ({"checked": True, "pending": [], "index_date": "d"}, "passed", False),
        ({"checked": True, "pending": [{"package": "libc6", "installed": "1", "candidate": "2"}]}, "failed", True),
        ({"checked": False, "why": "not Debian"}, "not_checked", False),
    ],
)
def test_os_updates_finding(report, status, critical):
    f = ib.os_updates_finding(report, "http://sec", False)
    assert (f["status"], f["critical"]) == (status, critical)
    if status == "failed":
        assert f["details"][0].startswith("libc6 1 -> 2: rebuild the base image")


def test_report_lines():
    findings = [ib.budget_finding({"passed": False, "image": {}, "violations": [{"message": "m"}]}, {})]
    lines = ib.report_lines(["r:1"], "sha256:0123456789abcdef", findings)
    assert lines[0] == "Image r:1 (0123456789ab)"
    assert lines[1].startswith("CRITICAL budget: FAILED - ")
    assert lines[2] == "    m"

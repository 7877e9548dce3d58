# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.assistant.containers.plugins.module_utils import offline_images as oi

FP = oi.FINGERPRINT_LABEL

CATALOG = {
    "python": {
        "official": "python:3.13-slim-trixie",
        "ref": "assistant/python:3.13-slim-trixie",
        "aliases": ["python:3.13-slim-trixie"],
        "recipe": "python",
        "packages": ["python3.13", "python3"],
    },
    "postgres": {"official": "postgres:17", "ref": "assistant/postgres:17", "recipe": "postgres", "packages": ["pg"]},
    "exporter": {
        "official": "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
        "ref": "assistant/pe:0.17",
        "recipe": "pe",
        "packages": ["pe"],
    },
    "grafana": {"official": "grafana/grafana:11.1.0", "recipe": "", "why": "not packaged"},
}


def _local(image_id, fingerprint="f" * 64, packages="pg=17"):
    return {"id": image_id, "labels": {FP: fingerprint, oi.PACKAGES_LABEL: packages}}


def _images(names=("python", "postgres", "exporter", "grafana"), mirror="", optional=()):
    return oi.wanted_images(CATALOG, list(names), list(optional), mirror)


@pytest.mark.parametrize(
    ("ref", "registry", "path"),
    [
        ("postgres:17", "docker.io", "library/postgres:17"),
        ("prom/prometheus:v2.53.3", "docker.io", "prom/prometheus:v2.53.3"),
        ("quay.io/prom/postgres-exporter:v0.17.1", "quay.io", "prom/postgres-exporter:v0.17.1"),
        ("localhost/app:1", "localhost", "app:1"),
        ("127.0.0.1:5000/library/redis:8.0", "127.0.0.1:5000", "library/redis:8.0"),
        ("docker.io/library/redis:8.0", "docker.io", "library/redis:8.0"),
    ],
)
def test_split_reference(ref, registry, path):
    assert oi.split_reference(ref) == (registry, path)
    assert oi.registry_of(ref) == registry


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("postgres:17", ("postgres", "17")),
        ("postgres", ("postgres", "latest")),
        ("127.0.0.1:5000/library/redis:8.0", ("127.0.0.1:5000/library/redis", "8.0")),
        ("127.0.0.1:5000/library/redis", ("127.0.0.1:5000/library/redis", "latest")),
        ("redis@sha256:abc", ("redis", "sha256:abc")),
    ],
)
def test_repository_and_tag(ref, expected):
    assert oi.repository_and_tag(ref) == expected


@pytest.mark.parametrize(
    ("mirror", "official", "expected"),
    [
        ("", "postgres:17", ""),
        ("mirror.example:5000", "postgres:17", "mirror.example:5000/library/postgres:17"),
        ("mirror.example:5000/hub/", "prom/prometheus:v2.53.3", "mirror.example:5000/hub/prom/prometheus:v2.53.3"),
        ("m:5000", "quay.io/x/y:1", "m:5000/x/y:1"),
    ],
)
def test_mirror_reference(mirror, official, expected):
    assert oi.mirror_reference(mirror, official) == expected


@pytest.mark.parametrize(
    ("catalog", "wanted", "optional", "expected"),
    [
        (CATALOG, ["python", "grafana"], ["grafana"], {"unknown": [], "incomplete": []}),
        (CATALOG, ["python", "nope"], ["other"], {"unknown": ["nope", "other"], "incomplete": []}),
        ({"a": {"official": "a:1", "recipe": "a", "ref": "x/a:1"}}, ["a"], [], {"unknown": [], "incomplete": ["a"]}),
        ({"a": {"official": "a:1", "recipe": ""}}, ["a"], [], {"unknown": [], "incomplete": ["a"]}),
        ({"a": {"recipe": "", "why": "w"}}, [], [], {"unknown": [], "incomplete": ["a"]}),
        ({"a": {"official": "a:1", "recipe": "", "why": "w"}}, [], [], {"unknown": [], "incomplete": []}),
        ({"a": None}, [], [], {"unknown": [], "incomplete": ["a"]}),
    ],
)
def test_catalog_problems(catalog, wanted, optional, expected):
    assert oi.catalog_problems(catalog, wanted, optional) == expected


def test_wanted_images_fills_defaults_and_mirror():
    images = _images(("grafana", "postgres"), mirror="m:5000", optional=["grafana"])
    assert [i["name"] for i in images] == ["grafana", "postgres"]
    assert images[0] == {
        "name": "grafana",
        "official": "grafana/grafana:11.1.0",
        "mirror_ref": "m:5000/grafana/grafana:11.1.0",
        "ref": "",
        "aliases": [],
        "recipe": "",
        "packages": [],
        "why": "not packaged",
        "optional": True,
    }
    assert images[1]["optional"] is False
    assert images[1]["mirror_ref"] == "m:5000/library/postgres:17"


@pytest.mark.parametrize(
    ("pull_official", "mirror", "expected"),
    [
        (True, "", [["postgres:17"]]),
        (True, "m:1", [["postgres:17", "m:1/library/postgres:17"]]),
        (False, "m:1", [["m:1/library/postgres:17"]]),
        (False, "", [[]]),
    ],
)
def test_pull_requests(pull_official, mirror, expected):
    requests = oi.pull_requests(_images(("postgres",), mirror=mirror), pull_official)
    assert [r["refs"] for r in requests] == expected
    assert requests[0]["official"] == "postgres:17"


def test_index_images_keeps_every_tag_and_drops_untagged():
    api = [
        {"Id": "sha256:a", "RepoTags": ["x:1", "y:2"], "Labels": {"k": "v"}},
        {"Id": "sha256:b", "RepoTags": None, "Labels": None},
        {"Id": "sha256:c", "RepoTags": ["<none>:<none>"], "Labels": {}},
    ]
    assert oi.index_images(api) == {
        "x:1": {"id": "sha256:a", "labels": {"k": "v"}},
        "y:2": {"id": "sha256:a", "labels": {"k": "v"}},
    }
    assert oi.index_images(None) == {}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (None, False),
        ({"id": "x", "labels": {}}, False),
        ({"id": "x", "labels": None}, False),
        ({"id": "x", "labels": {FP: ""}}, False),
        ({"id": "x", "labels": {FP: "abc"}}, True),
    ],
)
def test_is_local_build(entry, expected):
    assert oi.is_local_build(entry) is expected


PY = {"name": "python", "official": "python:3.13-slim-trixie", "refs": ["python:3.13-slim-trixie"]}
PG = {"name": "postgres", "official": "postgres:17", "refs": ["postgres:17", "m/library/postgres:17"]}


@pytest.mark.parametrize(
    ("images", "engine", "expected"),
    [
        # Nothing present: every candidate, in order.
        ([PG], {}, [{"name": "postgres", "refs": ["postgres:17", "m/library/postgres:17"]}]),
        # The real official image is present: nothing to pull.
        ([PG], {"postgres:17": {"id": "1", "labels": {}}}, []),
        # The mirror's copy is present: nothing to pull.
        ([PG], {"m/library/postgres:17": {"id": "1", "labels": {}}}, []),
        # The local stand-in carries the official name: the official image is still tried.
        ([PY], {"python:3.13-slim-trixie": _local("1")}, [{"name": "python", "refs": ["python:3.13-slim-trixie"]}]),
        # No candidates: left out.
        ([{"name": "x", "official": "x:1", "refs": []}], {}, []),
    ],
)
def test_pull_plan(images, engine, expected):
    assert oi.pull_plan(images, engine) == expected


@pytest.mark.parametrize(
    ("status", "timed_out", "expected"),
    [
        (404, False, False),
        (401, False, False),
        (403, False, False),
        (500, False, True),
        (None, False, True),
        (404, True, True),
        (502, False, True),
    ],
)
def test_pull_error_means_unreachable(status, timed_out, expected):
    assert oi.pull_error_means_unreachable(status, timed_out) is expected


def _sources(resolved):
    return {r["name"]: (r["source"], r["resolved"]) for r in resolved}


@pytest.mark.parametrize(
    ("engine", "pulled", "mirror", "expected"),
    [
        (
            {},
            {},
            "",
            {
                "python": ("local", "assistant/python:3.13-slim-trixie"),
                "postgres": ("local", "assistant/postgres:17"),
                "exporter": ("local", "assistant/pe:0.17"),
                "grafana": ("unavailable", ""),
            },
        ),
        (
            # The python stand-in under the official name is a local build, never the official image.
            {"python:3.13-slim-trixie": _local("1"), "postgres:17": {"id": "2", "labels": {}}},
            {},
            "",
            {
                "python": ("local", "assistant/python:3.13-slim-trixie"),
                "postgres": ("official", "postgres:17"),
                "exporter": ("local", "assistant/pe:0.17"),
                "grafana": ("unavailable", ""),
            },
        ),
        (
            # What was (or in check mode would be) pulled counts as present.
            {},
            {"python": "python:3.13-slim-trixie", "grafana": "m:1/grafana/grafana:11.1.0"},
            "m:1",
            {
                "python": ("official", "python:3.13-slim-trixie"),
                "postgres": ("local", "assistant/postgres:17"),
                "exporter": ("local", "assistant/pe:0.17"),
                "grafana": ("mirror", "m:1/grafana/grafana:11.1.0"),
            },
        ),
        (
            {"m:1/library/postgres:17": {"id": "3", "labels": {}}},
            {},
            "m:1",
            {
                "python": ("local", "assistant/python:3.13-slim-trixie"),
                "postgres": ("mirror", "m:1/library/postgres:17"),
                "exporter": ("local", "assistant/pe:0.17"),
                "grafana": ("unavailable", ""),
            },
        ),
    ],
)
def test_choose_sources(engine, pulled, mirror, expected):
    assert _sources(oi.choose_sources(_images(mirror=mirror), engine, pulled)) == expected


@pytest.mark.parametrize(
    ("packages", "versions", "expected"),
    [
        (["a", "b"], {"a": "1", "b": "2:3-4"}, ("a=1 b=2:3-4", [])),
        (["a", "b"], {"a": "1"}, ("a=1", ["b"])),
        ([], {"a": "1"}, ("", [])),
    ],
)
def test_pin(packages, versions, expected):
    assert oi.pin(packages, versions) == expected


def test_files_under():
    digests = {"recipes/python/Dockerfile": "1", "recipes/pythonx/Dockerfile": "2", "base/Dockerfile": "3"}
    assert oi.files_under(digests, "recipes/python") == {"Dockerfile": "1"}
    assert oi.files_under(digests, "recipes/python/") == {"Dockerfile": "1"}
    assert oi.files_under(digests, "nothing") == {}


BASE = {
    "ref": "assistant/debian:trixie",
    "official": "debian:trixie-slim",
    "packages": ["libc6"],
    "mmdebstrap_options": ["--variant=minbase"],
}
DIGESTS = {
    "recipes/debian/apt-install": "d1",
    "recipes/postgres/Dockerfile": "p1",
    "recipes/python/Dockerfile": "y1",
}
VERSIONS = {"libc6": "2.41-12", "pg": "17.6-1", "python3.13": "3.13.5-2", "python3": "3.13.5-1"}


def _plan(engine, digests=None, versions=None, updates="u1", names=("python", "postgres")):
    digests = DIGESTS if digests is None else digests
    versions = VERSIONS if versions is None else versions
    resolved = oi.choose_sources(_images(names), {})
    return oi.build_plan(resolved, BASE, versions, updates, "trixie", digests, engine)


def test_build_plan_fresh_engine_builds_everything():
    plan = _plan({})
    assert plan["missing"] == []
    assert plan["base"]["pinned"] == "libc6=2.41-12"
    assert plan["base"]["current"] is False
    assert [b["name"] for b in plan["builds"]] == ["python", "postgres"]
    assert [b["current"] for b in plan["builds"]] == [False, False]
    assert plan["builds"][1]["pinned"] == "pg=17.6-1"
    assert all(len(b["fingerprint"]) == 64 for b in plan["builds"])


def test_build_plan_current_when_labels_match():
    first = _plan({})
    engine = {
        BASE["ref"]: _local("b", first["base"]["fingerprint"]),
        "assistant/python:3.13-slim-trixie": _local("p", first["builds"][0]["fingerprint"]),
        "python:3.13-slim-trixie": _local("p", first["builds"][0]["fingerprint"]),
        "assistant/postgres:17": _local("g", first["builds"][1]["fingerprint"]),
    }
    plan = _plan(engine)
    assert plan["base"]["current"] is True
    assert [(b["current"], b["aliases_current"]) for b in plan["builds"]] == [(True, True), (True, True)]
    # The alias pointing elsewhere must be tagged again, the image itself is current.
    engine["python:3.13-slim-trixie"] = _local("other", first["builds"][0]["fingerprint"])
    python = _plan(engine)["builds"][0]
    assert (python["current"], python["aliases_current"]) == (True, False)


@pytest.mark.parametrize(
    ("change", "base_changes", "python_changes", "postgres_changes"),
    [
        ({"updates": "u2"}, True, True, True),
        ({"versions": {**VERSIONS, "libc6": "2.41-13"}}, True, True, True),
        ({"digests": {**DIGESTS, "recipes/debian/apt-install": "d2"}}, True, True, True),
        ({"digests": {**DIGESTS, "recipes/debian/new-helper": "n"}}, True, True, True),
        ({"versions": {**VERSIONS, "pg": "17.7-1"}}, False, False, True),
        ({"digests": {**DIGESTS, "recipes/python/Dockerfile": "y2"}}, False, True, False),
        ({"digests": {**DIGESTS, "recipes/python/extra": "e"}}, False, True, False),
        ({"digests": {**DIGESTS, "recipes/pythonx/Dockerfile": "z"}}, False, False, False),
    ],
)
def test_fingerprints_follow_their_inputs(change, base_changes, python_changes, postgres_changes):
    before = _plan({})
    after = _plan({}, **change)
    assert (before["base"]["fingerprint"] != after["base"]["fingerprint"]) is base_changes
    assert (before["builds"][0]["fingerprint"] != after["builds"][0]["fingerprint"]) is python_changes
    assert (before["builds"][1]["fingerprint"] != after["builds"][1]["fingerprint"]) is postgres_changes


def test_build_plan_reports_missing_packages():
    plan = _plan({}, versions={"python3": "1"})
    assert plan["missing"] == ["libc6", "pg", "python3.13"]


def test_build_plan_only_builds_local_images():
    resolved = oi.choose_sources(_images(("python", "postgres")), {"postgres:17": {"id": "x", "labels": {}}})
    plan = oi.build_plan(resolved, BASE, VERSIONS, "u", "trixie", DIGESTS, {})
    assert [b["name"] for b in plan["builds"]] == ["python"]


def test_manifest_and_summary():
    engine = {
        "assistant/python:3.13-slim-trixie": _local("sha256:p", "fp", "python3=1"),
        "postgres:17": {"id": "sha256:g", "labels": {}},
    }
    resolved = oi.choose_sources(_images(optional=["grafana"]), engine)
    doc = oi.manifest(resolved, engine)
    assert doc["schema_version"] == 1
    assert doc["images"]["python"] == {
        "ref": "assistant/python:3.13-slim-trixie",
        "source": "local",
        "official": "python:3.13-slim-trixie",
        "id": "sha256:p",
        "packages": "python3=1",
        "fingerprint": "fp",
    }
    assert doc["images"]["postgres"]["source"] == "official"
    assert doc["images"]["postgres"]["packages"] == ""
    # Not in the engine yet (check mode): no ID.
    assert doc["images"]["exporter"]["id"] == ""
    assert doc["unavailable"]["grafana"]["optional"] is True
    assert "docker load" in doc["unavailable"]["grafana"]["to_provide"]
    lines = oi.summary(doc)
    assert lines[0] == "exporter: assistant/pe:0.17 (local build of Debian packages)"
    assert "postgres: postgres:17 (official image)" in lines
    assert "python: assistant/python:3.13-slim-trixie (local build of Debian packages python3=1)" in lines
    assert lines[-1].startswith("grafana: UNAVAILABLE, optional")


def test_refresh_engine_takes_inspect_answers():
    engine = {"a:1": {"id": "old", "labels": {}}, "b:1": {"id": "b", "labels": {}}}
    inspected = [{"Id": "new", "RepoTags": ["a:1", "c:1"], "Config": {"Labels": {FP: "x"}}}]
    updated = oi.refresh_engine(engine, inspected)
    assert updated["a:1"] == {"id": "new", "labels": {FP: "x"}}
    assert updated["c:1"]["id"] == "new"
    assert updated["b:1"]["id"] == "b"
    assert engine["a:1"]["id"] == "old"


def test_manifest_writes():
    writes = oi.manifest_writes(["/var/lib/a/images.json", "/repo/.cache/images.json", "/var/lib/a/images.json"], "{}")
    assert writes["directories"] == [{"path": "var/lib/a", "mode": "0755"}, {"path": "repo/.cache", "mode": "0755"}]
    assert [f["path"] for f in writes["files"]] == ["var/lib/a/images.json", "repo/.cache/images.json"]
    assert all(f["content"] == "{}" and f["mode"] == "0644" for f in writes["files"])
    assert oi.manifest_writes(["/x.json"], "c")["directories"] == [{"path": ".", "mode": "0755"}]

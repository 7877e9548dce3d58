# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shutil
import subprocess

import pytest
from ansible_collections.assistant.containers.plugins.module_utils import debian_index as di

# (a, b, compare(a, b)), the cases dpkg's own test suite and Debian policy use.
VERSION_CASES = [
    ("1.0", "1.0", 0),
    ("1.0", "1.1", -1),
    ("1.10", "1.9", 1),
    ("1.0~rc1", "1.0", -1),
    ("1.0~~", "1.0~", -1),
    ("1.0", "1.0+b1", -1),
    ("1.0-1", "1.0-2", -1),
    ("1.0-1", "1.0", 1),
    ("1:0.1", "2.0", 1),
    ("0:2.0", "2.0", 0),
    ("2.0-1", "2.0-1+deb13u1", -1),
    ("17.6-0+deb13u1", "17.5-1", 1),
    ("5:8.0.2-3", "5:8.0.2-3+deb13u1", -1),
    ("1.2a", "1.2", 1),
    ("1.2a", "1.2+", -1),
    ("1.001", "1.1", 0),
    ("2.41-12", "2.41-12+deb13u1", -1),
    ("1.0-1~bpo1", "1.0-1", -1),
    ("a", "b", -1),
    ("1-1-1", "1-1", 1),
]


@pytest.mark.parametrize(("a", "b", "expected"), VERSION_CASES)
def test_compare_versions(a, b, expected):
    assert di.compare_versions(a, b) == expected
    first, second = b, a
    assert di.compare_versions(first, second) == -expected


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg is not installed")
@pytest.mark.parametrize(("a", "b", "expected"), VERSION_CASES)
def test_compare_versions_agrees_with_dpkg(a, b, expected):
    op = {-1: "lt", 0: "eq", 1: "gt"}[expected]
    dpkg = shutil.which("dpkg")
    assert subprocess.run([dpkg, "--compare-versions", a, op, b], check=False).returncode == 0  # noqa: S603


@pytest.mark.parametrize(
    ("versions", "expected"),
    [([], None), (["1.0"], "1.0"), (["1.0", "1:0.1", "2.0"], "1:0.1"), (["1.0~rc1", "1.0"], "1.0")],
)
def test_newest(versions, expected):
    assert di.newest(versions) == expected


PACKAGES = """Package: libc6
Source: glibc
Version: 2.41-12
Architecture: amd64
Description: GNU C Library
 continuation with Version: 9.9

Package: python3.13
Version: 3.13.5-2
Depends: libc6

Package: libc6-dev
Version: 2.41-12

Package: libc6
Version: 2.41-11
"""


def test_parse_packages():
    assert di.parse_packages(PACKAGES) == [
        ("libc6", "2.41-12"),
        ("python3.13", "3.13.5-2"),
        ("libc6-dev", "2.41-12"),
        ("libc6", "2.41-11"),
    ]
    assert di.parse_packages("") == []


def test_find_versions_matches_whole_names_only():
    found = di.find_versions(PACKAGES.encode(), ["libc6", "python3.13", "python3", "absent"])
    assert found == {"libc6": ["2.41-12", "2.41-11"], "python3.13": ["3.13.5-2"]}


def test_updates_digest_is_order_free_and_changes_with_content():
    a = di.updates_digest([("a", "1"), ("b", "2")])
    assert a == di.updates_digest([("b", "2"), ("a", "1"), ("a", "1")])
    assert a != di.updates_digest([("a", "1"), ("b", "3")])
    assert len(a) == 64


def test_sources_text():
    text = di.sources_text("/k.gpg", "http://m/debian", "http://s/debian-security", "trixie")
    assert text.splitlines() == [
        "deb [signed-by=/k.gpg] http://m/debian trixie main",
        "deb [signed-by=/k.gpg] http://m/debian trixie-updates main",
        "deb [signed-by=/k.gpg] http://s/debian-security trixie-security main",
    ]
    assert di.sources_text("", "m", "s", "x").splitlines()[0] == "deb m x main"


def test_apt_options_point_everything_into_the_index():
    argv = di.apt_options("/idx")
    pairs = dict(argv[i + 1].split("=", 1) for i in range(0, len(argv), 2))
    assert all(argv[i] == "-o" for i in range(0, len(argv), 2))
    assert pairs["Dir::Etc::SourceList"] == "/idx/sources.list"
    assert pairs["Dir::State::Lists"] == "/idx/lists"
    assert pairs["Acquire::GzipIndexes"] == "false"


def test_parse_indextargets_and_group_by_suite():
    out = "trixie\t/l/a_trixie_main_Packages\ntrixie-security\t/l/s_Packages\nbogus line\nbookworm\t/l/b\n"
    targets = di.parse_indextargets(out)
    assert targets == [
        ("trixie", "/l/a_trixie_main_Packages"),
        ("trixie-security", "/l/s_Packages"),
        ("bookworm", "/l/b"),
    ]
    assert di.package_files_by_suite(targets, "trixie") == {
        "trixie": ["/l/a_trixie_main_Packages"],
        "trixie-updates": [],
        "trixie-security": ["/l/s_Packages"],
    }


@pytest.mark.parametrize(
    ("mtime", "now", "max_age", "expected"),
    [(None, 100, 3600, False), (50, 100, 3600, True), (50, 4000, 3600, False), (100, 100, 0, False)],
)
def test_index_is_fresh(mtime, now, max_age, expected):
    assert di.index_is_fresh(mtime, now, max_age) is expected


def test_versions_answer_takes_the_newest_across_suites():
    main = {"libc6": ["2.41-12"], "redis-server": ["5:8.0.2-3"]}
    updates = [("libc6", "2.41-12+deb13u1"), ("redis-server", "5:8.0.2-2"), ("other", "1")]
    versions, missing, digest = di.versions_answer(main, updates, ["libc6", "redis-server", "nope"])
    assert versions == {"libc6": "2.41-12+deb13u1", "redis-server": "5:8.0.2-3"}
    assert missing == ["nope"]
    assert digest == di.updates_digest(updates)


STATUS = """Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.41-12
Description: x
 multi-line

Package: removed
Status: deinstall ok config-files
Version: 1.0

Package: libssl3t64
Status: install ok installed
Version: 3.5.1-1
"""


def test_parse_dpkg_status_keeps_installed_only():
    assert di.parse_dpkg_status(STATUS) == {"libc6": "2.41-12", "libssl3t64": "3.5.1-1"}


def test_pending_updates():
    installed = {"libc6": "2.41-12", "libssl3t64": "3.5.1-1", "zlib1g": "1:1.3"}
    available = {"libc6": ["2.41-12"], "libssl3t64": ["3.5.1-1+deb13u1", "3.5.1-0"], "zlib1g": ["1.4"]}
    assert di.pending_updates(installed, available) == [
        {"package": "libssl3t64", "installed": "3.5.1-1", "candidate": "3.5.1-1+deb13u1"}
    ]


def test_release_date():
    assert di.release_date("Origin: Debian\nDate: Mon, 30 Nov 2026 00:22:33 UTC\nSuite: x\n") == (
        "Mon, 30 Nov 2026 00:22:33 UTC"
    )
    assert di.release_date("Origin: Debian\n") == ""


def test_private_index_reads_fresh_and_stale(tmp_path):
    calls = []

    def run(argv):
        calls.append(argv)
        return 0, "", ""

    index = di.PrivateIndex(run, str(tmp_path / "idx"), "deb m s main\n", 3600)
    assert index.fresh is False
    assert index.update() == (True, "")
    assert (tmp_path / "idx" / "sources.list").read_text() == "deb m s main\n"
    assert calls[-1][-1] == "update"
    again = di.PrivateIndex(run, str(tmp_path / "idx"), "deb m s main\n", 3600)
    assert again.fresh is True
    assert again.update() == (True, "")
    assert len(calls) == 1
    # Other sources: stale again.
    assert di.PrivateIndex(run, str(tmp_path / "idx"), "deb other s main\n", 3600).fresh is False


def test_private_index_check_mode_uses_a_scratch_directory(tmp_path):
    index = di.PrivateIndex(lambda argv: (1, "", "E: failed"), str(tmp_path / "idx"), "deb m s main\n", 3600, True)
    assert index.index_dir != str(tmp_path / "idx")
    assert index.update() == (False, "E: failed")
    scratch = index.index_dir
    index.close()
    assert not (tmp_path / "idx").exists()
    import os

    assert not os.path.exists(scratch)


def test_answer_is_kept_per_index_refresh_and_packages(tmp_path):
    idx = tmp_path / "idx"
    idx.mkdir()
    assert di.read_answer(str(idx), "s", ["a"]) is None
    di.write_answer(str(idx), "s", ["a"], {"a": "1"}, [], "d")
    assert not (idx / "answer.json").exists()  # no index refresh recorded yet
    (idx / "updated").write_text("")
    di.write_answer(str(idx), "s", ["b", "a"], {"a": "1", "b": "2"}, [], "d")
    assert di.read_answer(str(idx), "s", ["a", "b"]) == {
        "versions": {"a": "1", "b": "2"},
        "missing": [],
        "updates_digest": "d",
    }
    assert di.read_answer(str(idx), "s", ["a"]) is None
    assert di.read_answer(str(idx), "other sources", ["a", "b"]) is None
    import os

    os.utime(idx / "updated", (1, 1))
    assert di.read_answer(str(idx), "s", ["a", "b"]) is None

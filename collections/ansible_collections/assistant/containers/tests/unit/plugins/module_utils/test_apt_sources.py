# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.assistant.containers.plugins.module_utils import apt_sources

# As the Debian 12 installer writes it.
INSTALLER = """\
#deb cdrom:[Debian GNU/Linux 12.11.0 _Bookworm_ - Official amd64 NETINST]/ bookworm main

deb http://mirror.example/debian/ bookworm main non-free-firmware
deb-src http://mirror.example/debian/ bookworm main non-free-firmware

deb http://security.example/debian-security bookworm-security main non-free-firmware
deb-src http://security.example/debian-security bookworm-security main non-free-firmware

# bookworm-updates, to get updates before a point release is made;
deb http://mirror.example/debian/ bookworm-updates main non-free-firmware
"""

# As cloud images and Debian 13 write it.
DEB822 = """\
Types: deb
# a comment inside a stanza
URIs: http://mirror.example/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://security.example/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def test_one_line_form():
    entries = apt_sources.parse_sources({"/etc/apt/sources.list": INSTALLER})
    assert [(e["types"], e["suites"]) for e in entries] == [
        (["deb"], ["bookworm"]),
        (["deb-src"], ["bookworm"]),
        (["deb"], ["bookworm-security"]),
        (["deb-src"], ["bookworm-security"]),
        (["deb"], ["bookworm-updates"]),
    ]
    assert apt_sources.mirror_for(entries, "bookworm") == "http://mirror.example/debian/"
    assert apt_sources.security_mirror(entries) == "http://security.example/debian-security"


def test_deb822_form():
    entries = apt_sources.parse_sources({"/etc/apt/sources.list.d/debian.sources": DEB822})
    assert len(entries) == 2
    assert entries[1]["types"] == ["deb", "deb-src"]
    assert apt_sources.mirror_for(entries, "trixie-updates") == "http://mirror.example/debian"
    assert apt_sources.security_mirror(entries) == "http://security.example/debian-security"


@pytest.mark.parametrize(
    "line, uri, suite",
    [
        (
            "deb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main",
            "http://m.example/debian",
            "bookworm",
        ),
        ("  deb   http://m.example/debian   bookworm main  # trailing comment", "http://m.example/debian", "bookworm"),
        ("deb http://m.example/debian bookworm", "http://m.example/debian", "bookworm"),
    ],
)
def test_one_line_variants(line, uri, suite):
    (entry,) = apt_sources.parse_one_line("x.list", line)
    assert entry["uris"] == [uri]
    assert entry["suites"] == [suite]


@pytest.mark.parametrize("line", ["", "# deb http://m.example/debian bookworm main", "deb", "rpm http://x a b"])
def test_one_line_ignored(line):
    assert apt_sources.parse_one_line("x.list", line) == []


def test_disabled_stanza_and_deb_src_only_are_not_mirrors():
    text = (
        "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n\n"
        "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n"
    )
    entries = apt_sources.parse_sources({"a.sources": text})
    assert [e["enabled"] for e in entries] == [False, True]
    assert apt_sources.mirror_for(entries, "bookworm") is None
    assert apt_sources.main_mirror(entries, "bookworm") is None


def test_main_mirror_falls_back_to_first_non_security_entry():
    entries = apt_sources.parse_sources({"/etc/apt/sources.list": INSTALLER})
    # No trixie entry on a Debian 12 host: the bookworm mirror serves trixie too.
    assert apt_sources.main_mirror(entries, "trixie") == "http://mirror.example/debian/"
    security_first = apt_sources.parse_one_line("s.list", "deb http://s.example/ds bookworm-security main")
    assert apt_sources.main_mirror(security_first + entries, None) == "http://mirror.example/debian/"


def test_continuation_lines_do_not_break_a_stanza():
    text = (
        "Types: deb\nURIs: http://m.example/debian\nSuites: bookworm\nComponents: main\n"
        "Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n -----END PGP PUBLIC KEY BLOCK-----\n"
    )
    (entry,) = apt_sources.parse_deb822("k.sources", text)
    assert entry["suites"] == ["bookworm"]
    assert entry["components"] == ["main"]


def test_list_suites_from_list_file_names():
    names = [
        "mirror.example_debian_dists_bookworm_InRelease",
        "mirror.example_debian_dists_bookworm_main_binary-amd64_Packages.lz4",
        "mirror.example_debian_dists_bookworm-updates_InRelease",
        "mirror.example_debian-security_dists_bookworm-security_Release",
        "lock",
        "partial",
    ]
    assert apt_sources.list_suites(names) == ["bookworm", "bookworm-security", "bookworm-updates"]


def test_read_host_sources_skips_own_files(tmp_path):
    (tmp_path / "etc/apt/sources.list.d").mkdir(parents=True)
    (tmp_path / "etc/apt/sources.list").write_text(INSTALLER)
    (tmp_path / "etc/apt/sources.list.d/debian.sources").write_text(DEB822)
    (tmp_path / "etc/apt/sources.list.d/assistant-trixie.sources").write_text(DEB822)
    files = apt_sources.read_host_sources(str(tmp_path), skip_prefix="assistant-")
    assert sorted(p.rsplit("/", 1)[-1] for p in files) == ["debian.sources", "sources.list"]


def test_host_list_suites_without_a_lists_directory(tmp_path):
    assert apt_sources.host_list_suites(str(tmp_path / "absent")) == []

"""The pristine scenario's helpers: the node's apt sources and image key (scripts/pristine-node.py),
and its filters (molecule/pristine/filter_plugins/pristine.py): the PLAY RECAP and CA bundles.

Run: .venv/bin/python -m pytest -q tests/pristine (`make molecule-pristine` runs it first).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


node = _load("pristine_node", REPO / "scripts" / "pristine-node.py")
filters = _load("pristine_filters", REPO / "molecule" / "pristine" / "filter_plugins" / "pristine.py")
apt_sources = _load("apt_sources", node.APT_SOURCES)

MIRROR = "http://mirror.invalid/debian"
SECURITY = "http://mirror.invalid/debian-security"

RECAP = (
    "PLAY RECAP *********************************************************************\n"
    "localhost                  : ok=116  changed=16   unreachable=0    failed=0    skipped=36   rescued=0    "
    "ignored=0   \n"
    "\n\n"
    "TASKS RECAP ********************************************************************\n"
)
RECAP_TWO_HOSTS = (
    "PLAY RECAP ***\n"
    "node-1 : ok=3 changed=0 unreachable=0 failed=0 skipped=1 rescued=0 ignored=0\n"
    "node-2 : ok=2 changed=1 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0\n"
    "\n"
)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (
            RECAP,
            {
                "localhost": {
                    "ok": 116,
                    "changed": 16,
                    "unreachable": 0,
                    "failed": 0,
                    "skipped": 36,
                    "rescued": 0,
                    "ignored": 0,
                }
            },
        ),
        ("TASK [x]\nfatal: [localhost]: FAILED!\n", {}),
        ("", {}),
        # The last recap counts (a make target that ran two playbooks).
        (
            RECAP.replace("changed=16", "changed=2") + "\n" + RECAP.replace("changed=16", "changed=0"),
            {
                "localhost": {
                    "ok": 116,
                    "changed": 0,
                    "unreachable": 0,
                    "failed": 0,
                    "skipped": 36,
                    "rescued": 0,
                    "ignored": 0,
                }
            },
        ),
        # A recap line missing a count is not a recap line.
        ("PLAY RECAP ***\nlocalhost : ok=1 changed=0\n", {}),
    ],
    ids=["one-host", "no-recap", "empty", "last-of-two", "truncated"],
)
def test_play_recap(output, expected):
    assert filters.play_recap(output) == expected


@pytest.mark.parametrize(("key", "total"), [("changed", 1), ("failed", 1), ("ok", 5), ("unreachable", 0)])
def test_recap_total_sums_every_host(key, total):
    assert filters.recap_total(filters.play_recap(RECAP_TWO_HOSTS), key) == total


CERT_A = "MIIB" + "A" * 100
CERT_B = "MIIC" + "B" * 70


def _pem(body: str, width: int) -> str:
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize(
    ("bundle", "count"),
    [
        (_pem(CERT_A, 64) + _pem(CERT_B, 64), 2),
        ("# a comment\n" + _pem(CERT_A, 76) + "\n\n" + _pem(CERT_B, 40), 2),
        ("no certificate here\n", 0),
        ("-----BEGIN CERTIFICATE-----\nMIIB\n", 0),
    ],
    ids=["plain", "comments-and-other-wrapping", "none", "unterminated"],
)
def test_pem_certificates_count(bundle, count):
    assert len(filters.pem_certificates(bundle)) == count


def test_pem_certificates_compare_across_wrapping():
    # The node's Debian set and this machine's bundle may wrap lines differently.
    assert filters.pem_certificates(_pem(CERT_A, 76)) == filters.pem_certificates(_pem(CERT_A, 64))
    extra = set(filters.pem_certificates(_pem(CERT_A, 64) + _pem(CERT_B, 64))) - set(
        filters.pem_certificates(_pem(CERT_A, 40))
    )
    assert extra == set(filters.pem_certificates(_pem(CERT_B, 64)))


@pytest.mark.parametrize(
    ("release", "form", "path", "suffix"),
    [
        ("bookworm", "one-line", "/etc/apt/sources.list", ".list"),
        ("trixie", "deb822", "/etc/apt/sources.list.d/debian.sources", ".sources"),
        ("trixie", "one-line", "/etc/apt/sources.list", ".list"),
        ("bookworm", "deb822", "/etc/apt/sources.list.d/debian.sources", ".sources"),
    ],
)
def test_node_sources_read_back_by_the_roles_parser(release, form, path, suffix):
    got_path, text = node.render_sources(release, form, MIRROR, SECURITY)
    assert got_path == path
    entries = apt_sources.parse_sources({"node" + suffix: text})
    debs = [e for e in entries if "deb" in e["types"]]
    assert sorted(s for e in debs for s in e["suites"]) == sorted(
        [release, f"{release}-updates", f"{release}-security"]
    )
    assert apt_sources.security_mirror(entries).rstrip("/") == SECURITY
    assert apt_sources.mirror_for(entries, release).rstrip("/") == MIRROR


def test_one_line_sources_look_like_the_installers():
    _, text = node.render_sources("bookworm", "one-line", MIRROR, SECURITY)
    assert f"deb {MIRROR}/ bookworm main non-free-firmware" in text.splitlines()
    assert any(line.startswith("deb-src ") for line in text.splitlines())


def test_bad_form_is_refused():
    with pytest.raises(SystemExit, match="one-line or deb822"):
        node.render_sources("bookworm", "yaml", MIRROR, SECURITY)


def test_content_key_changes_with_each_input():
    base = ("bookworm", "one-line", "deb x bookworm main\n", ("python3", "make"))
    keys = {
        node.content_key(*base),
        node.content_key("trixie", *base[1:]),
        node.content_key(base[0], "deb822", *base[2:]),
        node.content_key(*base[:2], "deb y bookworm main\n", base[3]),
        node.content_key(*base[:3], ("python3", "make", "git")),
    }
    assert len(keys) == 5
    assert node.content_key(*base) == node.content_key(*base)


def test_host_mirrors_read_both_forms(tmp_path):
    (tmp_path / "etc/apt/sources.list.d").mkdir(parents=True)
    (tmp_path / "etc/apt/sources.list").write_text(
        f"deb {MIRROR}/ bookworm main\ndeb {SECURITY} bookworm-security main\n"
    )
    assert node.host_mirrors(str(tmp_path)) == (MIRROR, SECURITY)
    (tmp_path / "etc/apt/sources.list").unlink()
    (tmp_path / "etc/apt/sources.list.d/debian.sources").write_text(
        f"Types: deb\nURIs: {MIRROR}\nSuites: bookworm bookworm-updates\n\n"
        f"Types: deb\nURIs: {SECURITY}\nSuites: bookworm-security\n"
    )
    # The docker_engine role's own source (assistant-*) is not the machine's.
    (tmp_path / "etc/apt/sources.list.d/assistant-trixie.sources").write_text(
        "Types: deb\nURIs: http://elsewhere.invalid/debian\nSuites: trixie\n"
    )
    assert node.host_mirrors(str(tmp_path)) == (MIRROR, SECURITY)


def test_host_mirrors_without_a_security_source_says_so(tmp_path):
    (tmp_path / "etc/apt").mkdir(parents=True)
    (tmp_path / "etc/apt/sources.list").write_text(f"deb {MIRROR} bookworm main\n")
    with pytest.raises(SystemExit, match="no security mirror"):
        node.host_mirrors(str(tmp_path))


@pytest.mark.parametrize(
    ("names", "suites"),
    [
        (
            [
                "/var/lib/apt/lists/deb.example_debian_dists_bookworm_InRelease",
                "/var/lib/apt/lists/deb.example_debian_dists_bookworm_main_binary-amd64_Packages",
                "/var/lib/apt/lists/deb.example_debian_dists_bookworm-updates_InRelease",
                "/var/lib/apt/lists/deb.example_debian-security_dists_bookworm-security_InRelease",
            ],
            ["bookworm", "bookworm-security", "bookworm-updates"],
        ),
        (["lock", "partial", "auxfiles"], []),
        (["mirror_debian_dists_trixie_Release", "mirror_debian_dists_trixie_Release.gpg"], ["trixie"]),
    ],
    ids=["bookworm", "none", "release-file"],
)
def test_list_suites(names, suites):
    assert filters.list_suites(names) == suites

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""debian_suite_versions reads a Packages index apt kept compressed, however apt names it."""

from __future__ import annotations

import gzip

import pytest
from ansible_collections.assistant.containers.plugins.modules import debian_suite_versions

PACKAGES = b"Package: bash\nVersion: 5.2.37-2+b10\n\nPackage: libc6\nVersion: 2.41-12\n"


class Failed(Exception):
    pass


class FakeModule:
    """run_command answers apt-helper cat-file for gzip files (what apt-helper does for every compression)."""

    def __init__(self):
        self.commands = []

    def run_command(self, argv, encoding=None):
        self.commands.append(argv)
        assert argv[:2] == ["/usr/lib/apt/apt-helper", "cat-file"]
        with gzip.open(argv[2], "rb") as handle:
            return 0, handle.read(), b""

    def fail_json(self, msg, **kwargs):
        raise Failed(msg)


# (the files in lists/, the name apt's indextargets gives, whether apt-helper decompresses)
CASES = [
    ({"Packages": PACKAGES}, "Packages", False),
    ({"Packages.gz": gzip.compress(PACKAGES)}, "Packages", True),
    # An earlier update kept the list compressed and the mirror has not changed it: apt names the .gz file.
    ({"Packages.gz": gzip.compress(PACKAGES)}, "Packages.gz", True),
]


@pytest.mark.parametrize(("files", "named", "decompressed"), CASES, ids=["plain", "compressed", "named-compressed"])
def test_the_index_is_read_as_text(tmp_path, files, named, decompressed):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    module = FakeModule()
    data = debian_suite_versions._read_index_file(module, str(tmp_path / named))
    assert data == PACKAGES
    assert bool(module.commands) == decompressed


def test_a_missing_index_fails_naming_it(tmp_path):
    with pytest.raises(Failed, match=r"The apt index .*/Packages is missing after the update"):
        debian_suite_versions._read_index_file(FakeModule(), str(tmp_path / "Packages.lz4"))

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SHA-256 digests of build inputs, so that a build runs only when an input changed."""

from __future__ import annotations

import hashlib
import os


def file_sha256(path):
    """SHA-256 of a file's content."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_digests(root, paths=None):
    """{relative path: sha256} of the regular files under ``root`` (all, or only ``paths``, relative to it).

    Paths use ``/`` whatever the platform; symbolic links to files count as their target's content;
    a ``root`` that does not exist gives {}.
    """
    found = {}
    if paths is None:
        paths = []
        for directory, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in filenames:
                paths.append(os.path.relpath(os.path.join(directory, name), root))
    for rel in sorted(paths):
        full = os.path.join(root, rel)
        if os.path.isfile(full):
            found[rel.replace(os.sep, "/")] = file_sha256(full)
    return found


def combined_digest(parts):
    """SHA-256 over ``parts`` (a dict of name to string), in key order: one fingerprint of several inputs."""
    lines = [f"{key}={parts[key]}" for key in sorted(parts)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()

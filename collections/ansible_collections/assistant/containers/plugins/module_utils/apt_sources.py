# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A host's apt sources, in both forms Debian keeps them, as plain data.

The Debian installer writes one-line entries to /etc/apt/sources.list
(``deb [opts] URI SUITE COMPONENT...``); cloud images and Debian 13 write deb822
stanzas to /etc/apt/sources.list.d/*.sources (``Types:``, ``URIs:``, ``Suites:``...).
The roles reuse the host's own mirror instead of naming one, so they read both.
Kept free of AnsibleModule for unit tests.
"""

from __future__ import annotations

import glob
import os
import re

SOURCES_LIST = "/etc/apt/sources.list"
SOURCES_PARTS = "/etc/apt/sources.list.d"
LISTS_DIR = "/var/lib/apt/lists"

_OPTIONS = re.compile(r"\[[^\]]*\]")


def _entry(path, form, types, uris, suites, components, enabled=True):
    return {
        "file": path,
        "form": form,
        "types": list(types),
        "uris": list(uris),
        "suites": list(suites),
        "components": list(components),
        "enabled": enabled,
    }


def parse_one_line(path, text):
    """Entries of a one-line sources.list: ``deb [options] URI SUITE [COMPONENT...]``, comments ignored."""
    entries = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        line = _OPTIONS.sub(" ", line, count=1)
        fields = line.split()
        if len(fields) < 3 or fields[0] not in ("deb", "deb-src"):
            continue
        entries.append(_entry(path, "one-line", [fields[0]], [fields[1]], [fields[2]], fields[3:]))
    return entries


def parse_deb822(path, text):
    """Entries of a deb822 .sources file: one per stanza (blank-line separated), fields case-insensitive."""
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        key = None
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and key:
                # A continuation line (e.g. a multi-line Signed-By key block).
                fields[key] += " " + raw.strip()
                continue
            name, sep, value = raw.partition(":")
            if not sep:
                continue
            key = name.strip().lower()
            fields[key] = value.strip()
        if not fields.get("uris") or not fields.get("suites"):
            continue
        enabled = fields.get("enabled", "yes").lower() not in ("no", "false", "0")
        entries.append(
            _entry(
                path,
                "deb822",
                fields.get("types", "deb").split(),
                fields["uris"].split(),
                fields["suites"].split(),
                fields.get("components", "").split(),
                enabled,
            )
        )
    return entries


def parse_sources(files):
    """Entries of every file in ``files`` (path -> text), by its name: ``*.sources`` is deb822, else one-line."""
    entries = []
    for path, text in files.items():
        if path.endswith(".sources"):
            entries.extend(parse_deb822(path, text))
        else:
            entries.extend(parse_one_line(path, text))
    return entries


def read_host_sources(root="/", skip_prefix=None):
    """The host's sources files as path -> text (sources.list, then sources.list.d/*.list and *.sources).

    Files whose base name starts with ``skip_prefix`` (a role's own sources) are left out, so a role never
    takes the mirror from a file it wrote itself.
    """
    paths = [os.path.join(root, SOURCES_LIST.lstrip("/"))]
    parts = os.path.join(root, SOURCES_PARTS.lstrip("/"))
    paths += sorted(glob.glob(os.path.join(parts, "*.list")) + glob.glob(os.path.join(parts, "*.sources")))
    files = {}
    for path in paths:
        if skip_prefix and os.path.basename(path).startswith(skip_prefix):
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                files[path] = f.read()
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            continue
    return files


def _deb_entries(entries):
    return [e for e in entries if e["enabled"] and "deb" in e["types"]]


def mirror_for(entries, suite):
    """URI of the first enabled ``deb`` entry serving ``suite`` exactly, or None."""
    for e in _deb_entries(entries):
        if suite in e["suites"]:
            return e["uris"][0]
    return None


def main_mirror(entries, suite=None):
    """The Debian mirror: the one serving ``suite`` if any, else the first entry that is not a security one."""
    found = mirror_for(entries, suite) if suite else None
    if found:
        return found
    for e in _deb_entries(entries):
        if not any(s.endswith("-security") or "/updates" in s for s in e["suites"]):
            return e["uris"][0]
    return None


def security_mirror(entries):
    """URI of the first enabled ``deb`` entry serving a ``*-security`` suite (it serves every release's), or None."""
    for e in _deb_entries(entries):
        if any(s.endswith("-security") for s in e["suites"]):
            return e["uris"][0]
    return None


def list_suites(filenames):
    """Suites apt holds lists for, from the names in /var/lib/apt/lists (``..._dists_SUITE_InRelease``)."""
    suites = set()
    for name in filenames:
        m = re.search(r"_dists_(.+?)_(?:In)?Release$", name)
        if m:
            suites.add(m.group(1))
    return sorted(suites)


def host_list_suites(lists_dir=LISTS_DIR):
    """list_suites() of the host's apt lists directory ([] when it does not exist)."""
    try:
        return list_suites(os.listdir(lists_dir))
    except FileNotFoundError:
        return []

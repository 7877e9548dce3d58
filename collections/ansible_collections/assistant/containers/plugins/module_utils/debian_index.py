# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A private apt index of a Debian suite, read as data.

The role keeps apt lists of ``SUITE``, ``SUITE-updates`` and ``SUITE-security`` in a
directory of its own (so the host's sources and pins do not matter) and reads the
``Packages`` indexes directly: they are deb822 files, apt's machine-readable form.
Versions are compared with dpkg's algorithm. Kept free of AnsibleModule for unit tests.
"""

from __future__ import annotations

import hashlib
import os
import re

# ------------------------------------------------------------------ versions


def _order(char):
    """dpkg's weight of one character of a version's non-digit part: ~ sorts first, letters before the rest."""
    if char == "~":
        return -1
    if char.isdigit():
        return 0
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a, b):
    """dpkg's verrevcmp() of two upstream versions or two revisions: -1, 0 or 1."""
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _order(a[i]) if i < len(a) else 0
            bc = _order(b[j]) if j < len(b) else 0
            if ac != bc:
                return -1 if ac < bc else 1
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = (a[i] > b[j]) - (a[i] < b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


def _split_version(version):
    epoch, sep, rest = version.partition(":")
    if not sep:
        epoch, rest = "0", version
    upstream, sep, revision = rest.rpartition("-")
    if not sep:
        upstream, revision = rest, ""
    return int(epoch or 0), upstream, revision


def compare_versions(a, b):
    """-1, 0 or 1 as Debian version ``a`` sorts before, equal to or after ``b`` (``dpkg --compare-versions``)."""
    ea, ua, ra = _split_version(a)
    eb, ub, rb = _split_version(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)


def newest(versions):
    """The newest of some Debian versions (None when there is none)."""
    best = None
    for version in versions:
        if best is None or compare_versions(version, best) > 0:
            best = version
    return best


# ------------------------------------------------------------------ Packages indexes


def parse_packages(text):
    """Every (package, version) of a Packages index, in file order."""
    pairs = []
    package = None
    for line in text.splitlines():
        if not line.strip():
            package = None
        elif line.startswith("Package:"):
            package = line[8:].strip()
        elif line.startswith("Version:") and package:
            pairs.append((package, line[8:].strip()))
    return pairs


def find_versions(data, names):
    """{name: [versions]} of the packages ``names`` in a Packages index given as bytes.

    A suite's main index holds tens of thousands of stanzas: this looks each name up instead of parsing them all.
    """
    found = {}
    for name in names:
        needle = b"Package: " + name.encode("utf-8") + b"\n"
        start = 0
        while True:
            at = data.find(needle, start)
            if at < 0:
                break
            start = at + len(needle)
            if at and data[at - 1 : at] != b"\n":
                continue
            end = data.find(b"\n\n", at)
            stanza = data[at : end if end >= 0 else len(data)]
            match = re.search(rb"^Version:[ \t]*(\S+)", stanza, re.MULTILINE)
            if match:
                found.setdefault(name, []).append(match.group(1).decode("utf-8"))
    return found


def updates_digest(pairs):
    """SHA-256 of the sorted ``package version`` lines: changes whenever an update or security suite publishes."""
    lines = sorted({f"{package} {version}" for package, version in pairs})
    return hashlib.sha256(("\n".join(lines) + "\n").encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ the private index


def suites_of(suite):
    """The three suites local builds come from, in order."""
    return [suite, f"{suite}-updates", f"{suite}-security"]


def sources_text(keyring, mirror, security_mirror, suite):
    """The private index's one-line sources: the suite and its updates from ``mirror``, its security suite."""
    signed = f"[signed-by={keyring}] " if keyring else ""
    return (
        f"deb {signed}{mirror} {suite} main\n"
        f"deb {signed}{mirror} {suite}-updates main\n"
        f"deb {signed}{security_mirror} {suite}-security main\n"
    )


def apt_options(index_dir):
    """apt-get options that make it use only the private index under ``index_dir`` (host sources and pins ignored).

    Lists stay uncompressed so that the Packages files can be read as they are, and no translations are fetched.
    """
    empty = os.path.join(index_dir, "empty")
    options = {
        "Dir::Etc::SourceList": os.path.join(index_dir, "sources.list"),
        "Dir::Etc::SourceParts": empty,
        "Dir::Etc::Preferences": os.path.join(empty, "none"),
        "Dir::Etc::PreferencesParts": empty,
        "Dir::State::Lists": os.path.join(index_dir, "lists"),
        "Dir::Cache": os.path.join(index_dir, "cache"),
        "APT::Sandbox::User": "root",
        "Acquire::GzipIndexes": "false",
        "Acquire::Languages": "none",
        "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled": "false",
    }
    argv = []
    for key, value in options.items():
        argv += ["-o", f"{key}={value}"]
    return argv


INDEXTARGETS_FORMAT = "$(CODENAME)\t$(FILENAME)"


def parse_indextargets(text):
    """[(codename, file)] of ``apt-get indextargets --format '$(CODENAME)\\t$(FILENAME)'`` (a format we set)."""
    targets = []
    for line in text.splitlines():
        codename, sep, filename = line.partition("\t")
        if sep and filename:
            targets.append((codename.strip(), filename.strip()))
    return targets


def index_is_fresh(stamp_mtime, now, max_age):
    """Whether an index refreshed at ``stamp_mtime`` (None: never) is still fresh at ``now``; max_age 0: never."""
    return stamp_mtime is not None and max_age > 0 and now - stamp_mtime < max_age


def package_files_by_suite(targets, suite):
    """{suite name: [Packages files]} for the three suites, from ``parse_indextargets``."""
    wanted = suites_of(suite)
    files = {name: [] for name in wanted}
    for codename, filename in targets:
        if codename in files:
            files[codename].append(filename)
    return files


def versions_answer(main_versions, update_pairs, packages):
    """({package: newest version}, [packages with none], updates digest) across the three suites.

    ``main_versions``: {package: [versions]} found in the suite itself; ``update_pairs``: every (package, version) of
    the -updates and -security suites.
    """
    candidates = {name: list(main_versions.get(name, [])) for name in packages}
    for package, version in update_pairs:
        if package in candidates:
            candidates[package].append(version)
    versions = {}
    missing = []
    for name in packages:
        best = newest(candidates[name])
        if best:
            versions[name] = best
        else:
            missing.append(name)
    return versions, missing, updates_digest(update_pairs)


def release_date(text):
    """The ``Date:`` field of a Release or InRelease file ("" when absent)."""
    for line in text.splitlines():
        if line.startswith("Date:"):
            return line[5:].strip()
    return ""


def parse_dpkg_status(text):
    """{package: version} of the packages a dpkg status file lists as installed."""
    installed = {}
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line[:1] in (" ", "\t"):
                continue
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        if fields.get("package") and fields.get("version") and fields.get("status", "").endswith(" installed"):
            installed[fields["package"]] = fields["version"]
    return installed


def pending_updates(installed, available):
    """[{package, installed, candidate}] where ``available`` ({package: [versions]}) has a newer version."""
    pending = []
    for package in sorted(installed):
        candidate = newest(available.get(package, []))
        if candidate and compare_versions(candidate, installed[package]) > 0:
            pending.append({"package": package, "installed": installed[package], "candidate": candidate})
    return pending


class PrivateIndex:
    """An apt index of some sources under a directory of its own, refreshed when older than ``max_age``.

    ``run(argv)`` runs a command and returns (rc, stdout, stderr) (AnsibleModule.run_command in a module).
    In check mode a missing or stale index is read into a temporary directory, removed by ``close()``.
    """

    def __init__(self, run, index_dir, sources, max_age, check_mode=False):
        import tempfile

        self.run = run
        self.sources = sources
        self.max_age = max_age
        self.fresh = self._fresh(index_dir)
        self.scratch = None
        if not self.fresh and check_mode:
            self.scratch = tempfile.mkdtemp(prefix="apt-index-")
            index_dir = self.scratch
        self.index_dir = index_dir

    def _fresh(self, index_dir):
        import time

        try:
            with open(os.path.join(index_dir, "sources.list"), encoding="utf-8") as handle:
                if handle.read() != self.sources:
                    return False
            mtime = os.stat(os.path.join(index_dir, "updated")).st_mtime
        except OSError:
            return False
        return index_is_fresh(mtime, time.time(), self.max_age)

    def apt(self, *args):
        return self.run(["apt-get", *apt_options(self.index_dir), *args])

    def update(self):
        """Refresh the index when needed: (True, "") when fresh now, (False, apt's message) when it failed."""
        if self.fresh:
            return True, ""
        for sub in ("lists/partial", "cache/archives/partial", "empty"):
            os.makedirs(os.path.join(self.index_dir, sub), exist_ok=True)
        stamp = os.path.join(self.index_dir, "updated")
        with open(os.path.join(self.index_dir, "sources.list"), "w", encoding="utf-8") as handle:
            handle.write(self.sources)
        if os.path.exists(stamp):
            os.unlink(stamp)
        rc, _out, err = self.apt("-qq", "--error-on=any", "update")
        if rc != 0:
            return False, err.strip()[-1500:]
        with open(stamp, "w", encoding="utf-8"):
            pass
        return True, ""

    def packages_files(self):
        """[(codename, Packages file)] of the index, or raises RuntimeError with apt's message."""
        rc, out, err = self.apt("indextargets", "--format", INDEXTARGETS_FORMAT, "Identifier: Packages")
        if rc != 0:
            raise RuntimeError(f"apt-get indextargets failed on the private index {self.index_dir}: {err.strip()}")
        return parse_indextargets(out)

    def release_files(self):
        lists = os.path.join(self.index_dir, "lists")
        try:
            names = sorted(os.listdir(lists))
        except OSError:
            return []
        return [os.path.join(lists, n) for n in names if n.endswith("Release")]

    def close(self):
        if self.scratch:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)


ANSWER_FILE = "answer.json"


def _answer_key(index_dir, sources, packages):
    try:
        stamp = os.stat(os.path.join(index_dir, "updated")).st_mtime
    except OSError:
        return None
    return {"stamp": stamp, "sources": sources, "packages": sorted(set(packages))}


def read_answer(index_dir, sources, packages):
    """The answer kept for this index and these packages ({versions, missing, updates_digest}), or None."""
    import json

    key = _answer_key(index_dir, sources, packages)
    try:
        with open(os.path.join(index_dir, ANSWER_FILE), encoding="utf-8") as handle:
            kept = json.load(handle)
    except (OSError, ValueError):
        return None
    if key is None or kept.get("key") != key:
        return None
    return {name: kept[name] for name in ("versions", "missing", "updates_digest")}


def write_answer(index_dir, sources, packages, versions, missing, digest):
    """Keep the answer beside the index, keyed on its refresh time, its sources and the packages asked for."""
    import json

    key = _answer_key(index_dir, sources, packages)
    if key is None:
        return
    doc = {"key": key, "versions": versions, "missing": missing, "updates_digest": digest}
    tmp = os.path.join(index_dir, ANSWER_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, sort_keys=True)
    os.replace(tmp, os.path.join(index_dir, ANSWER_FILE))

#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: debian_suite_versions

short_description: Read the newest versions of Debian packages in a suite, its -updates and its -security suite

version_added: 0.1.0

description:
  - Keeps a private apt index of O(suite), C(<suite>-updates) (from O(mirror)) and C(<suite>-security) (from
    O(security_mirror)), C(main) only, in O(index_dir), whatever the host's own apt sources and pins are.
  - Returns the newest version of each of O(packages) across the three suites, and a digest of every package version
    the C(-updates) and C(-security) suites hold (it changes whenever one of them publishes an update).
  - An empty O(mirror) or O(security_mirror) is read from the host's apt sources, in both forms Debian keeps them,
    the one-line C(/etc/apt/sources.list) (and C(sources.list.d/*.list)) the Debian installer writes, and the deb822
    C(sources.list.d/*.sources) of cloud images and Debian 13.
  - The index is refreshed when it is older than O(max_age) seconds or its sources changed. The index is a cache
    of the mirror, so refreshing it is not reported as a change.
  - The Packages indexes are read as files (deb822, apt's machine-readable form), not through apt's printed output.
    The answer is kept beside the index (C(answer.json)) and reused until the index is refreshed or other packages
    are asked for.

extends_documentation_fragment:
  - assistant.containers.attributes

attributes:
  check_mode:
    support: full
    details:
      - In check mode an index that is missing or stale is read into a temporary directory that is removed
        afterwards; O(index_dir) is left as it was.
  diff_mode:
    support: none
  idempotent:
    support: full

options:
  suite:
    description:
      - The Debian suite (codename), for example V(trixie).
    type: str
    required: true
  packages:
    description:
      - The binary packages whose versions to return.
    type: list
    elements: str
    default: []
  mirror:
    description:
      - URI of the Debian mirror that serves O(suite) and C(<suite>-updates).
      - Empty means the host's apt source for O(suite) if there is one, else its first source that is not a
        security one.
    type: str
    default: ""
  security_mirror:
    description:
      - URI of the Debian security mirror that serves C(<suite>-security).
      - Empty means the host's apt source whose suite ends in C(-security), whatever the host's release (the same
        URI serves every release's security suite).
    type: str
    default: ""
  keyring:
    description:
      - Keyring that verifies the mirrors' Release files. Empty means apt's trusted keys.
    type: path
    default: /usr/share/keyrings/debian-archive-keyring.gpg
  index_dir:
    description:
      - Directory of the private index (created when needed).
    type: path
    required: true
  max_age:
    description:
      - Seconds the index stays fresh. V(0) refreshes it on every run.
    type: int
    default: 3600

requirements:
  - apt-get on the target

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: ansible.builtin.apt
"""

EXAMPLES = r"""
---
- name: Read the versions to pin in local image builds
  assistant.containers.debian_suite_versions:
    suite: trixie
    packages: [postgresql-17, redis-server]
    index_dir: /var/lib/assistant/offline_images/apt
  register: __suite

- name: Show them
  ansible.builtin.debug:
    msg: "{{ __suite.versions }} (updates digest {{ __suite.updates_digest }})"
"""

RETURN = r"""
mirror:
  description: The mirror used for the suite and its -updates suite.
  returned: success
  type: str
  sample: http://deb.example/debian
security_mirror:
  description: The mirror used for the -security suite.
  returned: success
  type: str
  sample: http://security.example/debian-security
sources:
  description: The host's apt sources files read to find a mirror ([] when both mirrors were given).
  returned: success
  type: list
  elements: str
  sample: ["/etc/apt/sources.list"]
versions:
  description: The newest version of each package found, across the three suites.
  returned: success
  type: dict
  sample: {"redis-server": "5:8.0.2-3"}
missing:
  description: The packages none of the three suites has.
  returned: success
  type: list
  elements: str
  sample: []
updates_digest:
  description: SHA-256 over every package version in the -updates and -security suites.
  returned: success
  type: str
  sample: 3f1c...
index_updated:
  description: Whether the index was downloaded again in this run.
  returned: success
  type: bool
  sample: false
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.assistant.containers.plugins.module_utils.apt_sources import (
    main_mirror,
    parse_sources,
    read_host_sources,
    security_mirror,
)
from ansible_collections.assistant.containers.plugins.module_utils.debian_index import (
    PrivateIndex,
    find_versions,
    package_files_by_suite,
    parse_packages,
    read_answer,
    sources_text,
    suites_of,
    versions_answer,
    write_answer,
)

SOURCE_FILES = "/etc/apt/sources.list, /etc/apt/sources.list.d/*.list and /etc/apt/sources.list.d/*.sources"


COMPRESSED = (".lz4", ".gz", ".xz", ".zst", ".bz2")


def _read_index_file(module, path):
    """The bytes of an index file; compressed ones through apt-helper (the lists are kept uncompressed).

    apt names a list it kept compressed by its compressed file (``..._Packages.lz4``), e.g. one an
    earlier update stored under Acquire::GzipIndexes and that has not changed on the mirror since.
    """
    base = next((path[: -len(s)] for s in COMPRESSED if path.endswith(s)), path)
    if os.path.exists(base):
        with open(base, "rb") as handle:
            return handle.read()
    helper = "/usr/lib/apt/apt-helper"
    for suffix in COMPRESSED:
        if os.path.exists(base + suffix):
            rc, out, err = module.run_command([helper, "cat-file", base + suffix], encoding=None)
            if rc != 0:
                module.fail_json(msg=f"Could not read the apt index {base}{suffix} with {helper}: {err!r}.")
            return out
    module.fail_json(
        msg=f"The apt index {base} is missing after the update. Remove {os.path.dirname(base)} and run again."
    )
    return b""


class SuiteIndex:
    def __init__(self, module):
        self.module = module
        self.params = module.params

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def mirrors(self):
        mirror, security = self.params["mirror"], self.params["security_mirror"]
        files = {}
        if not mirror or not security:
            files = read_host_sources()
            entries = parse_sources(files)
            mirror = mirror or main_mirror(entries, self.params["suite"]) or ""
            security = security or security_mirror(entries) or ""
        if not mirror:
            self.fail(
                f"No Debian mirror: the option mirror is empty and no enabled deb source was found in {SOURCE_FILES} "
                f"(read: {', '.join(files) or 'none'}). Set mirror to the Debian mirror's URI.",
                sources=list(files),
            )
        if not security:
            self.fail(
                "No Debian security mirror: the option security_mirror is empty and no enabled deb source with a "
                f"suite ending in -security was found in {SOURCE_FILES} (read: {', '.join(files) or 'none'}). Set "
                f"security_mirror to the security mirror's URI (the one serving {self.params['suite']}-security).",
                sources=list(files),
            )
        return mirror, security, list(files)

    def _versions(self, index):
        suite = self.params["suite"]
        try:
            files = package_files_by_suite(index.packages_files(), suite)
        except RuntimeError as exc:
            self.fail(str(exc))
        empty = [name for name in suites_of(suite) if not files[name]]
        if empty:
            self.fail(
                f"Expected the Packages indexes of {', '.join(suites_of(suite))} under {index.index_dir}/lists; found "
                f"none for {', '.join(empty)}. Check that the mirrors serve them, or remove {index.index_dir} and run "
                "again."
            )
        packages = self.params["packages"]
        main = {}
        for path in files[suite]:
            for name, found in find_versions(_read_index_file(self.module, path), packages).items():
                main.setdefault(name, []).extend(found)
        updates = []
        for name in suites_of(suite)[1:]:
            for path in files[name]:
                updates.extend(parse_packages(_read_index_file(self.module, path).decode("utf-8", "replace")))
        return versions_answer(main, updates, packages)

    def run(self):
        mirror, security, read = self.mirrors()
        suite = self.params["suite"]
        sources = sources_text(self.params["keyring"], mirror, security, suite)
        index = PrivateIndex(
            lambda argv: self.module.run_command(argv, environ_update={"LC_ALL": "C"}),
            self.params["index_dir"],
            sources,
            self.params["max_age"],
            self.module.check_mode,
        )
        cached = read_answer(index.index_dir, sources, self.params["packages"]) if index.fresh else None
        if cached:
            index.close()
            return {
                "changed": False,
                "mirror": mirror,
                "security_mirror": security,
                "sources": read,
                **cached,
                "index_updated": False,
            }
        try:
            ok, why = index.update()
            if not ok:
                self.fail(
                    f"Could not read the index of {suite}, {suite}-updates ({mirror}) or {suite}-security "
                    f"({security}); expected all three to download. apt-get said: {why}",
                    mirror=mirror,
                    security_mirror=security,
                )
            versions, missing, digest = self._versions(index)
            if not self.module.check_mode:
                write_answer(index.index_dir, sources, self.params["packages"], versions, missing, digest)
        finally:
            index.close()
        return {
            "changed": False,
            "mirror": mirror,
            "security_mirror": security,
            "sources": read,
            "versions": versions,
            "missing": missing,
            "updates_digest": digest,
            "index_updated": not index.fresh,
        }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            suite=dict(type="str", required=True),
            packages=dict(type="list", elements="str", default=[]),
            mirror=dict(type="str", default=""),
            security_mirror=dict(type="str", default=""),
            keyring=dict(type="path", default="/usr/share/keyrings/debian-archive-keyring.gpg"),
            index_dir=dict(type="path", required=True),
            max_age=dict(type="int", default=3600),
        ),
        supports_check_mode=True,
    )
    if module.params["max_age"] < 0:
        module.fail_json(msg=f"max_age: expected 0 or more seconds, found {module.params['max_age']}.")
    module.exit_json(**SuiteIndex(module).run())


if __name__ == "__main__":
    main()

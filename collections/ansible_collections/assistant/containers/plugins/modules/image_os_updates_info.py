#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: image_os_updates_info

short_description: List the Debian security updates a local image lacks

version_added: 0.1.0

description:
  - Reads the Debian release (C(/etc/os-release)) and the installed packages (C(/var/lib/dpkg/status)) of a local
    image, and compares each installed version with the newest one in the release's C(-security) suite.
  - The image's files are read from a container created from it and never started (removed again at once), so the
    check needs no shell, no apt and no network inside the image.
  - The security suite's index is kept in a private apt index on the Docker host (O(index_dir)), refreshed when
    older than O(max_age) seconds. An empty O(security_mirror) is the host's apt source with a C(-security) suite, in
    the one-line C(sources.list) form or the deb822 C(*.sources) form.
  - An image that is not Debian-based, or an index that cannot be read, gives C(checked=false) and the reason; the
    task itself does not fail.

extends_documentation_fragment:
  - assistant.containers.docker
  - assistant.containers.attributes
  - assistant.containers.attributes.actiongroup_docker

attributes:
  check_mode:
    support: full
    details:
      - In check mode a missing or stale index is read into a temporary directory that is removed afterwards.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    support: full
    details:
      - This action does not modify state.

options:
  image:
    description:
      - The image to check (reference or ID); it must be on the Docker host.
    type: str
    required: true
  security_mirror:
    description:
      - URI of the Debian security mirror. Empty means the host's apt source whose suite ends in C(-security).
    type: str
    default: ""
  keyring:
    description:
      - Keyring that verifies the mirror's Release file. Empty means apt's trusted keys.
    type: path
    default: /usr/share/keyrings/debian-archive-keyring.gpg
  index_dir:
    description:
      - Directory of the private index (one sub-directory per release).
    type: path
    required: true
  max_age:
    description:
      - Seconds the index stays fresh. V(0) refreshes it on every run.
    type: int
    default: 3600

requirements:
  - apt-get on the Docker host

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: assistant.containers.debian_suite_versions
"""

EXAMPLES = r"""
---
- name: Check the app image for pending security updates
  assistant.containers.image_os_updates_info:
    image: assistant/app:dev
    index_dir: /var/lib/assistant/image_build/apt
  register: __os_updates
"""

RETURN = r"""
checked:
  description: Whether the check ran; when not, RV(why) says why.
  returned: always
  type: bool
  sample: true
why:
  description: Why the check did not run ("" when it did).
  returned: always
  type: str
  sample: ""
codename:
  description: The image's Debian release (C(VERSION_CODENAME)).
  returned: always
  type: str
  sample: trixie
security_mirror:
  description: The security mirror asked.
  returned: always
  type: str
  sample: http://security.example/debian-security
index_date:
  description: The C(Date) of the security suite's Release file.
  returned: always
  type: str
  sample: Mon, 30 Nov 2026 20:15:01 UTC
pending:
  description: The installed packages the security suite has a newer version of.
  returned: always
  type: list
  elements: dict
  sample: [{"package": "libssl3t64", "installed": "3.5.1-1", "candidate": "3.5.1-1+deb13u1"}]
"""

import io
import os
import tarfile
import traceback

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.assistant.containers.plugins.module_utils.apt_sources import (
    parse_sources,
    read_host_sources,
    security_mirror,
)
from ansible_collections.assistant.containers.plugins.module_utils.debian_index import (
    PrivateIndex,
    parse_dpkg_status,
    parse_packages,
    pending_updates,
    release_date,
)
from ansible_collections.assistant.containers.plugins.module_utils.docker_client import (
    AnsibleDockerClient,
    DockerException,
    NotFound,
    RequestException,
)


def parse_os_release(text):
    """The KEY=value pairs of an os-release file, quotes removed."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            values[key] = value.strip().strip("\"'")
    return values


def _read_from_image(api, image, paths):
    """{path: text or None} of files in ``image``, read from a created (never started) container."""
    container = api.create_container(image, command=["true"], entrypoint=[], network_disabled=True)["Id"]
    found = {}
    try:
        for path in paths:
            try:
                stream, _stat = api.get_archive(container, path)
            except NotFound:
                found[path] = None
                continue
            with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
                member = next((m for m in archive.getmembers() if m.isfile()), None)
                data = archive.extractfile(member).read() if member else b""
            found[path] = data.decode("utf-8", "replace")
    finally:
        api.remove_container(container, force=True)
    return found


def _not_checked(why, **extra):
    return {
        "changed": False,
        "checked": False,
        "why": why,
        "codename": "",
        "security_mirror": "",
        "index_date": "",
        "pending": [],
        **extra,
    }


def main():
    client = AnsibleDockerClient(
        argument_spec=dict(
            image=dict(type="str", required=True),
            security_mirror=dict(type="str", default=""),
            keyring=dict(type="path", default="/usr/share/keyrings/debian-archive-keyring.gpg"),
            index_dir=dict(type="path", required=True),
            max_age=dict(type="int", default=3600),
        ),
        supports_check_mode=True,
    )
    module = client.module
    p = module.params
    try:
        files = _read_from_image(
            client.api, p["image"], ["/etc/os-release", "/usr/lib/os-release", "/var/lib/dpkg/status"]
        )
    except (DockerException, RequestException) as exc:
        client.fail(
            f"Could not read the files of image {p['image']} through the Docker engine at {p['docker_host']}: "
            f"{to_native(exc)}. Check that the image exists and the engine runs.",
            exception=traceback.format_exc(),
        )
    finally:
        client.api.close()
    # /etc/os-release is a symbolic link to /usr/lib/os-release on Debian; an archive of it holds the link only.
    release = parse_os_release(files.get("/etc/os-release") or files.get("/usr/lib/os-release") or "")
    codename = release.get("VERSION_CODENAME", "")
    if release.get("ID") != "debian" and "debian" not in release.get("ID_LIKE", ""):
        module.exit_json(
            **_not_checked(f"the image is not Debian-based ({release.get('PRETTY_NAME') or 'no os-release'})")
        )
    if not codename or files.get("/var/lib/dpkg/status") is None:
        module.exit_json(**_not_checked("no VERSION_CODENAME in /etc/os-release or no /var/lib/dpkg/status"))
    installed = parse_dpkg_status(files["/var/lib/dpkg/status"])
    mirror = p["security_mirror"] or security_mirror(parse_sources(read_host_sources())) or ""
    if not mirror:
        module.exit_json(
            **_not_checked(
                "no security mirror: no apt source with a -security suite in /etc/apt/sources.list or "
                "/etc/apt/sources.list.d/*.{list,sources}; set the security mirror",
                codename=codename,
            )
        )
    signed = f"[signed-by={p['keyring']}] " if p["keyring"] else ""
    sources = f"deb {signed}{mirror} {codename}-security main\n"
    index = PrivateIndex(
        lambda argv: module.run_command(argv, environ_update={"LC_ALL": "C"}),
        os.path.join(p["index_dir"], f"{codename}-security"),
        sources,
        p["max_age"],
        module.check_mode,
    )
    try:
        ok, why = index.update()
        if not ok:
            module.exit_json(
                **_not_checked(
                    f"the index of {codename}-security at {mirror} could not be read: {why}",
                    codename=codename,
                    security_mirror=mirror,
                )
            )
        available = {}
        for name, path in index.packages_files():
            if name != f"{codename}-security" or not os.path.exists(path):
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                for package, version in parse_packages(handle.read()):
                    available.setdefault(package, []).append(version)
        dates = []
        for path in index.release_files():
            with open(path, encoding="utf-8", errors="replace") as handle:
                dates.append(release_date(handle.read()))
    except RuntimeError as exc:
        module.exit_json(**_not_checked(str(exc), codename=codename, security_mirror=mirror))
    finally:
        index.close()
    module.exit_json(
        changed=False,
        checked=True,
        why="",
        codename=codename,
        security_mirror=mirror,
        index_date=next((d for d in dates if d), ""),
        pending=pending_updates(installed, available),
    )


if __name__ == "__main__":
    main()

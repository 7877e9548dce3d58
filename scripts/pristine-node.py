#!/usr/bin/env python3
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the image of a pristine node: a bare Debian root file system that looks like a user's fresh machine.

The Molecule scenario ``pristine`` starts its nodes from these images. A node holds a ``minbase`` Debian
system (Essential packages and apt), then exactly what the README asks a user to install, installed the
way a user does it (``apt-get update``, then ``apt-get install`` with apt's defaults, so Recommends come
too). Its apt sources are in the form that kind of machine keeps them:

- ``one-line``: ``/etc/apt/sources.list`` as the Debian 12 installer writes it (the suite, its security
  and updates suites, ``deb-src`` lines, ``main non-free-firmware``, the mirror URI with a trailing slash);
- ``deb822``: ``/etc/apt/sources.list.d/debian.sources`` as Debian 13 and the cloud images keep it.

The mirror URIs are this machine's own (its apt sources), so no file names a mirror. apt's lists stay
in the image (the user ran ``apt-get update`` once); they are for the node's own release only.

The image is tagged with a key over every input (this script, the release, the sources, the packages):
a second run with the same inputs finds it and builds nothing. Prints one JSON object:
``{"image": ..., "key": ..., "built": bool, "seconds": float}``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APT_SOURCES = ROOT / "collections/ansible_collections/assistant/containers/plugins/module_utils/apt_sources.py"

# What README.md's Quick start tells a user to have. Keep the two in step.
PREREQUISITES = ("python3", "python3-venv", "make", "git")
# What a machine of each form has beyond that, as README.md says: the Debian installer's "standard system
# utilities" bring python3-apt (apt-listchanges and reportbug need it). With it, Ansible's apt module does
# not run apt-get update before its first use, which is what exposed the engine role's old order (the
# suite's lists missing when default_release asked for it). Minimal cloud-style nodes have none of it.
FORM_EXTRAS = {"one-line": ("python3-apt",), "deb822": ()}
# The other kinds of node of the ``remote`` scenario. A controller that deploys to servers also needs an SSH
# client (README.md, "Your servers"); a server has only what ENVIRONMENT.md's pristine server has: Python for
# Ansible's modules, sshd, sudo for become, and the CA store.
KIND_PACKAGES = {
    "user": (),
    "controller": ("openssh-client",),
    "server": ("python3", "openssh-server", "sudo", "ca-certificates"),
}

RELEASES = {"bookworm": "12", "trixie": "13"}
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
LABEL = "io.assistant.pristine-node.key"


def _apt_sources():
    spec = importlib.util.spec_from_file_location("apt_sources", APT_SOURCES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def host_mirrors(root="/"):
    """The Debian mirror and the security mirror of this machine's apt sources."""
    apt = _apt_sources()
    # The docker_engine role adds a source of its own (assistant-*); the machine's are the others.
    entries = apt.parse_sources(apt.read_host_sources(root, skip_prefix="assistant"))
    mirror = apt.main_mirror(entries)
    security = apt.security_mirror(entries)
    if not mirror or not security:
        raise SystemExit(
            "pristine-node: this machine's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/) "
            f"name no Debian mirror ({mirror!r}) or no security mirror ({security!r}); both are needed."
        )
    return mirror.rstrip("/"), security.rstrip("/")


def render_sources(release, form, mirror, security):
    """(path in the node, text) of the node's apt sources."""
    if form == "one-line":
        comps = "main non-free-firmware"
        text = (
            f"deb {mirror}/ {release} {comps}\n"
            f"deb-src {mirror}/ {release} {comps}\n"
            "\n"
            f"deb {security} {release}-security {comps}\n"
            f"deb-src {security} {release}-security {comps}\n"
            "\n"
            f"# {release}-updates, to get updates before a point release is made;\n"
            f"deb {mirror}/ {release}-updates {comps}\n"
            f"deb-src {mirror}/ {release}-updates {comps}\n"
        )
        return "/etc/apt/sources.list", text
    if form == "deb822":
        text = (
            "Types: deb\n"
            f"URIs: {mirror}\n"
            f"Suites: {release} {release}-updates\n"
            "Components: main\n"
            f"Signed-By: {KEYRING}\n"
            "\n"
            "Types: deb\n"
            f"URIs: {security}\n"
            f"Suites: {release}-security\n"
            "Components: main\n"
            f"Signed-By: {KEYRING}\n"
        )
        return "/etc/apt/sources.list.d/debian.sources", text
    raise SystemExit(f"pristine-node: --form must be one-line or deb822, not {form!r}")


def content_key(release, form, sources_text, packages):
    """A key over every input of the build: a change to any of them builds a new image."""
    h = hashlib.sha256()
    for part in (Path(__file__).read_bytes(), release.encode(), form.encode(), sources_text.encode()):
        h.update(hashlib.sha256(part).digest())
    h.update(" ".join(packages).encode())
    return h.hexdigest()


def _customize_hooks(sources_path, sources_file, packages):
    """mmdebstrap hooks (run on this machine with the chroot as $1): the user's sources, update, install."""
    install = " ".join(shlex.quote(p) for p in packages)
    return [
        # Only the node's own sources: drop what mmdebstrap wrote from its command line.
        'rm -f "$1/etc/apt/sources.list" "$1"/etc/apt/sources.list.d/*',
        f'install -m 0644 {shlex.quote(sources_file)} "$1{sources_path}"',
        f'test -e "$1{KEYRING}" || {{ echo "no {KEYRING} in the node" >&2; exit 1; }}',
        # What the user did: apt-get update once, then install the prerequisites with apt's defaults.
        # Recommends are apt's default on a machine; within mmdebstrap's hooks they are off, so say it.
        'chroot "$1" apt-get update -q',
        'chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o APT::Install-Recommends=true '
        + install,
        'chroot "$1" apt-get clean',
    ]


def _run(argv, **kwargs):
    # Fixed programs (mmdebstrap, the docker CLI from PATH); arguments built here.
    return subprocess.run(argv, **kwargs)  # noqa: S603


def _docker(*args, **kwargs):
    return _run(["docker", *args], **kwargs)


def _image_exists(ref):
    return _docker("image", "inspect", ref, capture_output=True, check=False).returncode == 0


def _old_tags(repository, release, keep):
    """This release's earlier builds (other keys) in the nodes' repository."""
    out = _docker(
        "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", repository, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ref for ref in out if ref != keep and ref.startswith(f"{repository}:{release}-")]


def build(release, form, repository, packages, workdir):
    mirror, security = host_mirrors()
    sources_path, sources_text = render_sources(release, form, mirror, security)
    key = content_key(release, form, sources_text, packages)
    ref = f"{repository}:{release}-{key[:12]}"
    if _image_exists(ref):
        return {"image": ref, "key": key, "built": False, "seconds": 0.0}

    start = time.monotonic()
    with tempfile.TemporaryDirectory(dir=workdir, prefix=f"pristine-{release}-") as tmp:
        sources_file = os.path.join(tmp, "sources")
        Path(sources_file).write_text(sources_text, encoding="utf-8")
        tarball = os.path.join(tmp, "rootfs.tar")
        cmd = [
            "mmdebstrap",
            "--mode=root",
            "--variant=minbase",
            "--format=tar",
            # The user ran apt-get update: the lists stay.
            "--skip=cleanup/apt/lists",
        ]
        for hook in _customize_hooks(sources_path, sources_file, packages):
            cmd.append(f"--customize-hook={hook}")
        cmd += [
            release,
            tarball,
            f"deb {mirror} {release} main",
            f"deb {mirror} {release}-updates main",
            f"deb {security} {release}-security main",
        ]
        _run(cmd, check=True, stdout=sys.stderr)
        _docker(
            "import",
            "--change",
            f"LABEL {LABEL}={key}",
            "--change",
            'CMD ["sleep", "infinity"]',
            "--message",
            f"pristine Debian {RELEASES[release]} node ({form} apt sources)",
            tarball,
            ref,
            check=True,
            stdout=sys.stderr,
        )
    # Older builds of this node are this script's own images.
    for old in _old_tags(repository, release, ref):
        _docker("image", "rm", old, check=False, stdout=sys.stderr)
    return {"image": ref, "key": key, "built": True, "seconds": round(time.monotonic() - start, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", required=True, choices=sorted(RELEASES))
    parser.add_argument("--form", required=True, choices=["one-line", "deb822"])
    parser.add_argument("--repository", default="molecule-pristine/debian", help="image repository of the nodes")
    parser.add_argument("--workdir", default=None, help="where the root file system tarball is written")
    parser.add_argument(
        "--kind", default="user", choices=sorted(KIND_PACKAGES), help="a user's machine, a controller or a server"
    )
    args = parser.parse_args(argv)
    if args.kind == "server":
        packages = KIND_PACKAGES["server"]
    else:
        packages = PREREQUISITES + FORM_EXTRAS[args.form] + KIND_PACKAGES[args.kind]
    result = build(args.release, args.form, args.repository, packages, args.workdir)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

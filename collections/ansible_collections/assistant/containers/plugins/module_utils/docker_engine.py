# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the docker_engine role decides on, read from a host that may have no engine at all.

Only commands and files are read (no Docker SDK: a bare host has none); each reader takes a
``run(argv) -> (rc, stdout, stderr)`` callable so the parsing is unit-tested without a host.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def version_tuple(text):
    """(major, minor, patch) of the first version in text, or None (``Docker version 26.1.5+dfsg1`` -> 26.1.5)."""
    m = _VERSION.search(text or "")
    if not m:
        return None
    return tuple(int(g or 0) for g in m.groups())


def version_text(text):
    """The first version in text as ``X.Y.Z``, or None."""
    t = version_tuple(text)
    return ".".join(str(p) for p in t) if t else None


def parse_dpkg_query(stdout, packages):
    """``dpkg-query -W -f '${Package}\\t${db:Status-Status}\\t${Version}\\n'`` output as name -> {status, version}.

    Packages dpkg does not know are ``not-installed`` with no version.
    """
    found = {}
    for line in stdout.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[0]:
            found[fields[0]] = {"status": fields[1] or "unknown", "version": fields[2] or None}
    return {p: found.get(p, {"status": "not-installed", "version": None}) for p in packages}


def missing_packages(packages):
    """Names whose dpkg status is not ``installed``, in order."""
    return [name for name, p in packages.items() if p["status"] != "installed"]


def parse_docker_version(stdout):
    """The server part of ``docker version --format '{{json .}}'`` as {version, api_version}, or None.

    The client prints the JSON even when the server does not answer (then Server is null).
    """
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    server = (data or {}).get("Server") or None
    if not server or not server.get("Version"):
        return None
    return {"version": server["Version"], "api_version": server.get("ApiVersion")}


def parse_plugins(stdout):
    """``docker info --format '{{json .ClientInfo.Plugins}}'`` as plugin name -> version (plugins that load)."""
    try:
        plugins = json.loads(stdout) or []
    except ValueError:
        return {}
    return {p["Name"]: p.get("Version") for p in plugins if p.get("Name") and not p.get("Err")}


def needs_restart(dockerd_version, server_version):
    """True when the running engine is older than the installed dockerd binary (an upgrade not yet applied)."""
    installed, running = version_tuple(dockerd_version), version_tuple(server_version)
    return bool(installed and running and installed > running)


def read_engine(run, packages, supervisor=None):
    """Everything about the engine on this host, through run(argv) -> (rc, stdout, stderr)."""
    rc, out = run(["dpkg-query", "-W", "-f", "${Package}\t${db:Status-Status}\t${Version}\n", *list(packages)])[:2]
    pkgs = parse_dpkg_query(out if rc in (0, 1) else "", packages)

    rc, out = run(["dockerd", "--version"])[:2]
    dockerd = version_text(out) if rc == 0 else None

    rc, out = run(["docker", "version", "--format", "{{json .}}"])[:2]
    server = parse_docker_version(out) if out else None

    plugins = {}
    if server:
        rc, out = run(["docker", "info", "--format", "{{json .ClientInfo.Plugins}}"])[:2]
        plugins = parse_plugins(out) if rc == 0 else {}

    supervisor_running = None
    if supervisor:
        rc = run([supervisor, "status"])[0]
        supervisor_running = rc == 0

    systemd = None
    rc, out = run(["systemctl", "is-active", "docker"])[:2]
    if rc is not None:
        active = out.strip().splitlines()[0] if out.strip() else "unknown"
        out2 = run(["systemctl", "is-enabled", "docker"])[1]
        enabled = out2.strip().splitlines()[0] if out2.strip() else "unknown"
        systemd = {"active": active, "enabled": enabled}

    return {
        "packages": pkgs,
        "missing_packages": missing_packages(pkgs),
        "dockerd_version": dockerd,
        "server": server,
        "plugins": plugins,
        "supervisor_running": supervisor_running,
        "systemd": systemd,
        "restart_needed": needs_restart(dockerd, server["version"] if server else None),
    }


def file_state(path):
    """What a task that writes ``path`` compares with: whether it exists, its SHA-1 (as the copy module's
    checksum), its mode ("0644") and its owner and group IDs. A missing file: {"exists": False}."""
    try:
        info = os.stat(path)
        with open(path, "rb") as handle:
            digest = hashlib.sha1(handle.read(), usedforsecurity=False).hexdigest()  # as the copy module's checksum
    except FileNotFoundError:
        return {"exists": False}
    return {
        "exists": True,
        "checksum": digest,
        "mode": f"{stat.S_IMODE(info.st_mode):04o}",
        "uid": info.st_uid,
        "gid": info.st_gid,
    }

"""Inspect the built app image: non-root, a health check, OCI labels, and no packaging
tools, compilers, tests or proxy CA certificate inside."""

from __future__ import annotations

import json
import re
import tarfile
import tempfile
from pathlib import Path

import pytest
from conftest import docker, inspect

# Run inside the image with its own python3: lists what must not be there.
FORBIDDEN_SCAN = r"""
import json, os, re, shutil, subprocess
bad = []
pkg = re.compile(r"^(pip|setuptools|wheel|uv|_distutils_hack)(-[^/]*\.dist-info)?$")
exe = re.compile(r"^(pip[0-9.]*|uv|uvx|wheel|easy_install[-0-9.]*|gcc[-0-9.]*|g\+\+[-0-9.]*|"
                 r"cc|c\+\+|clang[-0-9.]*|tcc|(x86_64|aarch64)-linux-gnu-(gcc|g\+\+|cc)[-0-9.]*)$")
for root, dirs, files in os.walk("/"):
    if root.startswith(("/proc", "/sys", "/dev")):
        dirs[:] = []
        continue
    for d in dirs:
        if pkg.match(d) and ("site-packages" in root or "dist-packages" in root):
            bad.append(os.path.join(root, d))
        if d in ("ensurepip", "python-wheels"):
            bad.append(os.path.join(root, d))
    for f in files:
        path = os.path.join(root, f)
        if f.endswith(".whl") or (exe.match(f) and os.access(path, os.X_OK)):
            bad.append(path)
        if pkg.match(f.removesuffix(".py")) and ("site-packages" in root or "dist-packages" in root):
            bad.append(path)
tests = [p for p in ("/src", "/app/tests", "/opt/venv/lib/tests") if os.path.exists(p)]
print(json.dumps({"bad": sorted(bad), "tests": tests}))
"""


@pytest.fixture(scope="module")
def config(app_image) -> dict:
    return inspect(app_image)["Config"]


def test_runs_as_fixed_non_root_user(app_image, config):
    user = config["User"]
    assert user, "image has no USER; expected a fixed non-root UID (10001)"
    uid = user.split(":")[0]
    assert uid.isdigit() and uid != "0", f"USER is {user!r}; expected a numeric non-root UID"
    assert uid == "10001", f"USER is {user!r}; the team contract says UID 10001"
    out = docker("run", "--rm", app_image, "id", "-u").stdout.strip()
    assert out == "10001"


def test_has_an_exec_form_health_check(config):
    check = config.get("Healthcheck")
    assert check and check["Test"], "image has no HEALTHCHECK"
    assert check["Test"][0] == "CMD", f"HEALTHCHECK {check['Test']} is not exec form (CMD)"
    assert "healthcheck" in check["Test"]


def test_exec_form_command(config):
    assert config["Cmd"] == ["assistant", "api"]
    assert not config.get("Entrypoint")


def test_oci_labels(app_image, config):
    labels = config.get("Labels") or {}
    for key in ("source", "version", "revision", "created"):
        value = labels.get(f"org.opencontainers.image.{key}", "")
        assert value and value != "unknown", f"label org.opencontainers.image.{key} is {value!r}"
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["APP_REVISION"] == labels["org.opencontainers.image.revision"]
    version = json.loads(
        docker(
            "run",
            "--rm",
            app_image,
            "python3",
            "-c",
            "import json, os; print(json.dumps([os.environ['APP_VERSION'], os.environ['APP_REVISION']]))",
        ).stdout
    )
    assert version == [labels["org.opencontainers.image.version"], env["APP_REVISION"]]


def test_no_packaging_tools_compilers_or_tests(app_image):
    result = docker("run", "--rm", app_image, "python3", "-c", FORBIDDEN_SCAN)
    found = json.loads(result.stdout)
    assert found["bad"] == [], f"found packaging tools or compilers in the image: {found['bad']}"
    assert found["tests"] == [], f"found source or tests in the image: {found['tests']}"
    for module in ("pip", "setuptools", "wheel"):
        probe = docker("run", "--rm", app_image, "python3", "-c", f"import {module}", check=False)
        assert probe.returncode != 0, f"python3 can import {module} in the image"


def _pem_bodies(data: bytes) -> set[bytes]:
    return {
        re.sub(rb"\s+", b"", m)
        for m in re.findall(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", data, re.S)
    }


def test_no_secret_or_proxy_ca_in_any_layer(app_image):
    """The build secret (the host's CA bundle, with the proxy's CA) must not be in a layer.

    The certificates to look for are the host's that neither the image's Debian bundle
    nor certifi carry: those are the local (proxy) CAs.
    """
    host = Path("/etc/ssl/certs/ca-certificates.crt")
    if not host.exists():
        pytest.skip("no host CA bundle at /etc/ssl/certs/ca-certificates.crt to compare with")
    public = b""
    for path in ("/etc/ssl/certs/ca-certificates.crt",):
        public += docker("run", "--rm", app_image, "cat", path, check=False).stdout.encode()
    public += docker(
        "run", "--rm", app_image, "python3", "-c", "import certifi; print(open(certifi.where()).read())", check=False
    ).stdout.encode()
    # The host's own Debian bundle is public too: its Mozilla snapshot may differ from the image's
    # and from a vendored certifi's, so a CA it has and they lack is not a local one.
    for crt in Path("/usr/share/ca-certificates/mozilla").glob("*.crt"):
        public += crt.read_bytes()
    local = _pem_bodies(host.read_bytes()) - _pem_bodies(public)
    if not local:
        pytest.skip("the host's CA bundle has no local (proxy) CA to look for")
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "image.tar"
        docker("save", "-o", str(archive), app_image)
        leaks = []
        with tarfile.open(archive) as outer:
            for member in outer.getmembers():
                is_layer = member.name.endswith(".tar") or "blobs/" in member.name
                if not member.isfile() or not is_layer:
                    continue
                try:
                    layer = tarfile.open(fileobj=outer.extractfile(member))  # noqa: SIM115
                    entries = layer.getmembers()
                except tarfile.TarError:
                    continue  # not a layer (e.g. a config blob)
                for entry in entries:
                    if entry.name.lstrip("./").startswith("run/secrets"):
                        leaks.append(f"{member.name}:{entry.name}")
                    if not entry.isfile() or entry.size > 5_000_000:
                        continue
                    data = layer.extractfile(entry).read()
                    if b"BEGIN CERTIFICATE" in data and _pem_bodies(data) & local:
                        leaks.append(f"{member.name}:{entry.name}")
    assert leaks == [], f"a local CA certificate or build secret is in a layer: {leaks}"

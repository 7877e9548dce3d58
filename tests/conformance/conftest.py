"""Fixtures of the conformance test: which images, their configuration and file listing, the result table.

The images are those of the offline_images manifest (.cache/images.json, written by
`make images`, else /var/lib/assistant/offline_images/images.json, or the file named
by ASSISTANT_IMAGES_MANIFEST): the local look-alikes, and any official image the
manifest resolved to, which must meet the same contract.
"""

from __future__ import annotations

import json
import os
import posixpath
import secrets
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from contract import CONTRACT, Entry  # noqa: E402

MANIFESTS = (
    os.environ.get("ASSISTANT_IMAGES_MANIFEST", ""),
    str(REPO / ".cache" / "images.json"),
    "/var/lib/assistant/offline_images/images.json",
)
PREFIX = "conformance-" + secrets.token_hex(3)
# image name -> check -> "ok" or the number of problems; printed at the end of the run.
RESULTS: dict[str, dict[str, str]] = {}
CHECKS = ("config", "env", "tools", "users", "behaviour")


def docker(*args: str, check: bool = False, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (fixed program, arguments from the tests)
        ["docker", *args],  # noqa: S607 (the docker CLI from PATH)
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def manifest_images() -> dict[str, dict]:
    for path in MANIFESTS:
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                return {k: v for k, v in json.load(handle)["images"].items() if k in CONTRACT}
    return {}


def record(image: str, check: str, problems: list[str]) -> None:
    RESULTS.setdefault(image, {})[check] = "ok" if not problems else f"FAIL {len(problems)}"


@pytest.fixture(scope="session")
def engine() -> None:
    result = docker("info", "--format", "{{.ServerVersion}}", timeout=30)
    if result.returncode != 0:
        pytest.skip(f"no Docker engine reachable: {result.stderr.strip()}")


@pytest.fixture(scope="session")
def images(engine) -> dict[str, dict]:
    found = manifest_images()
    if not found:
        where = [m for m in MANIFESTS if m]
        message = f"no offline_images manifest with the stack's images at any of {where}; run `make images`"
        if os.environ.get("ASSISTANT_CONFORMANCE_REQUIRE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _norm(name: str) -> str:
    """A tar member's name as an absolute path ("./etc/" -> "/etc")."""
    return posixpath.normpath("/" + name)


class Snapshot:
    """An image's configuration (docker image inspect) and its file system, read once."""

    def __init__(self, ref: str) -> None:
        inspect = docker("image", "inspect", ref, check=True)
        data = json.loads(inspect.stdout)[0]
        self.ref = ref
        self.id = data["Id"]
        self.config = data.get("Config") or {}
        self.labels = self.config.get("Labels") or {}
        self.size_mb = data.get("Size", 0) / 1e6
        self.listing: dict[str, Entry] = {"/": Entry("dir", 0o755)}
        self.texts: dict[str, str] = {}
        self._read_files()

    def _read_files(self, keep=("/etc/passwd", "/etc/group")) -> None:
        # A created (never started) container's export is the image's file system, for images
        # with and without a shell alike.
        name = f"{PREFIX}-fs-{secrets.token_hex(2)}"
        docker("create", "--name", name, self.ref, check=True)
        try:
            export = subprocess.Popen(["docker", "export", name], stdout=subprocess.PIPE)  # noqa: S603,S607
            with export as proc, tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                for member in tar:
                    path = _norm(member.name)
                    if member.issym():
                        self.listing[path] = Entry("link", member.mode, member.linkname)
                    elif member.islnk():
                        self.listing[path] = Entry("link", member.mode, _norm(member.linkname))
                    elif member.isdir():
                        self.listing[path] = Entry("dir", member.mode)
                    elif member.isfile():
                        self.listing[path] = Entry("file", member.mode)
                        if path in keep:
                            self.texts[path] = tar.extractfile(member).read().decode("utf-8")
                    else:
                        self.listing[path] = Entry("other", member.mode)
        finally:
            docker("rm", "-f", name)


_SNAPSHOTS: dict[str, Snapshot] = {}


@pytest.fixture
def snapshot(images):
    def get(name: str) -> Snapshot:
        if name not in images:
            pytest.skip(f"{name} is not in the manifest")
        ref = images[name]["ref"]
        if ref not in _SNAPSHOTS:
            _SNAPSHOTS[ref] = Snapshot(ref)
        return _SNAPSHOTS[ref]

    return get


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    found = manifest_images()
    rows = [("image", "ref", "build", "MB", *CHECKS, "known differences")]
    for name in CONTRACT:
        if name not in RESULTS:
            continue
        snap = next((s for s in _SNAPSHOTS.values() if s.ref == found.get(name, {}).get("ref")), None)
        rows.append(
            (
                name,
                found.get(name, {}).get("ref", "?"),
                # Our builds carry the offline_images labels, whatever name the manifest resolved them by.
                ("look-alike" if "io.assistant.offline-images.official" in snap.labels else "official")
                if snap
                else "?",
                f"{snap.size_mb:.0f}" if snap else "?",
                *(RESULTS[name].get(c, "-") for c in CHECKS),
                str(len(CONTRACT[name].differences)),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    terminalreporter.section("conformance with the official images' interface")
    for row in rows:
        terminalreporter.write_line("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    terminalreporter.write_line("")
    terminalreporter.write_line("Known differences (not failures; see tests/conformance/contract.py):")
    for name in RESULTS:
        for difference in CONTRACT[name].differences:
            terminalreporter.write_line(f"  {name}: {difference}")

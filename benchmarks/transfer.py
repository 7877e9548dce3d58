#!/usr/bin/env python3
"""Bytes the registry-less delivery sends to a host, against the app image's compressed size (nothing asserted).

  python3 benchmarks/transfer.py [--base-image REF]

The registry role's transfer entry point sends each host what image_delta_archive writes: a gzip archive of
the image with only the layers the host lacks. This benchmark builds the runtime image twice with the
controller's build cache kept, as a user's would be (the second time after a one-line change of the app's
code), and writes the archive a host would get in each case, with the module's own code:
  - first deploy: the host has the base image only (the images role supplied it);
  - one-line change: the host runs the previous build;
  - whole image: the host has nothing (docker save, gzip), the baseline of the ratio.
The archive is the file ansible.builtin.copy sends over the connection, so its size is the payload on the
wire (SSH adds its framing). Everything created is named appeng-transfer-* and removed at the end.
Needs the docker CLI and the Docker SDK for Python (the toolchain's venv has both).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker as docker_sdk
import figures  # benchmarks/figures.py: the figures file the guides quote
from image_build import BASE_CANDIDATES, PREFIX, build, docker, image_exists

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "collections"))
from ansible_collections.assistant.containers.plugins.module_utils.image_transfer import (  # noqa: E402
    host_chains,
    trim_saved,
)

MB = 1_000_000


def archive(api, ref: str, host_refs: list[str], workdir: Path) -> dict:
    """What image_delta_archive writes for a host that has host_refs: its sizes, and the seconds it took."""
    start = time.monotonic()
    saved = workdir / "saved.tar"
    with saved.open("wb") as handle:
        for chunk in api.get_image(ref):
            handle.write(chunk)
    present = host_chains([api.inspect_image(r) for r in host_refs])
    sizes = trim_saved(saved, workdir / "out.tar.gz", present, [ref])
    saved.unlink()
    sizes["seconds"] = time.monotonic() - start
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-image", default=next((b for b in BASE_CANDIDATES if image_exists(b)), None))
    args = parser.parse_args()
    if not args.base_image:
        sys.exit(f"no base image: build one of {BASE_CANDIDATES} first (make images)")
    api = docker_sdk.APIClient()
    v1, v2 = f"{PREFIX}-transfer:v1", f"{PREFIX}-transfer:v2"
    dockerfile = REPO / "docker/Dockerfile"
    with tempfile.TemporaryDirectory(prefix="appeng-transfer-") as tmp:
        work = Path(tmp)
        context = work / "app"
        shutil.copytree(REPO / "app", context, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info"))
        try:
            build(context, v1, args.base_image, dockerfile, "--target", "runtime")
            init = context / "src/assistant_app/__init__.py"
            init.write_text(init.read_text() + f"# one-line change {time.time()}\n")
            build(context, v2, args.base_image, dockerfile, "--target", "runtime")
            whole = archive(api, v2, [], work)
            first = archive(api, v2, [args.base_image], work)
            change = archive(api, v2, [v1, args.base_image], work)
        finally:
            docker("image", "rm", "-f", v1, v2, check=False)
    rows = [
        ("whole image (host has nothing)", whole),
        ("first deploy (host has the base)", first),
        ("one-line change (host runs the previous build)", change),
    ]
    print(f"{'case':48} {'layers':>7} {'sent MB':>9} {'of image':>9} {'seconds':>8}")
    for name, row in rows:
        share = row["size"] / whole["size"]
        print(
            f"{name:48} {row['layers_sent']:>3}/{row['layers']:<3} {row['size'] / MB:>9.3f} {share:>8.2%}"
            f" {row['seconds']:>8.1f}"
        )
    share = change["size"] / whole["size"]
    print(f"budget: a one-line change sends at most 10% of the image's compressed size; sent {share:.2%}")
    figures.record(
        "transfer",
        {
            "image_compressed_mb": whole["size"] / MB,
            "first_deploy_mb": first["size"] / MB,
            "one_line_change_mb": change["size"] / MB,
            "one_line_change_share": change["size"] / whole["size"],
        },
        by="benchmarks/transfer.py",
        note=f"base {args.base_image}",
    )


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as exc:
        sys.exit(f"{exc.cmd} failed: {exc.stderr}")

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the image with docker buildx and read the result, in one call.

  python3 buildx_build.py '<JSON settings>'

Settings (JSON object): argv (the whole `docker buildx build ...` command, context last, without
--iidfile), refs (the tags it sets) and check (true in check mode: read the tags, build nothing).

The build log goes to stderr. Prints one JSON object on stdout:
  before  {ref: image ID or null} the tags pointed to before the build
  rc      the exit code of docker buildx build (0 in check mode)
  id      the built image's ID (in check mode the one the first tag points to; null when absent)
  size    that image's size in bytes (null when absent)
Exits 0 whatever the build gave, so that the role can show the end of the log.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def _inspect(ref):
    """(ID, size) of an image, or (None, None) when Docker has no such image."""
    done = subprocess.run(  # noqa: S603 (fixed program)
        ["docker", "image", "inspect", "--format", "{{.Id}} {{.Size}}", ref],  # noqa: S607 (the docker CLI from PATH)
        capture_output=True,
        text=True,
        check=False,
    )
    fields = done.stdout.split()
    return (fields[0], int(fields[1])) if done.returncode == 0 and len(fields) == 2 else (None, None)


def main():
    settings = json.loads(sys.argv[1])
    before = {ref: _inspect(ref)[0] for ref in settings["refs"]}
    if settings["check"]:
        rc, (image, size) = 0, _inspect(settings["refs"][0])
    else:
        with tempfile.TemporaryDirectory(prefix="image_build-") as work:
            iidfile = Path(work) / "iid"
            argv = settings["argv"]
            # The log on stderr keeps stdout for the JSON answer.
            rc = subprocess.run(  # noqa: S603 (the role's buildx command)
                [*argv[:-1], f"--iidfile={iidfile}", argv[-1]], stdout=sys.stderr, check=False
            ).returncode
            image, size = _inspect(iidfile.read_text().strip()) if rc == 0 else (None, None)
    print(json.dumps({"before": before, "rc": rc, "id": image, "size": size}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Print the repository's shell scripts, one path a line, for shellcheck in `make lint`.

A tracked file is a shell script when its first line is a sh/bash/dash/ksh
shebang (`#!/bin/sh`, `#!/usr/bin/env bash`, ...) or its name ends in `.sh`.
Templates (`*.j2`) are left out: they are not shell until rendered.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHEBANG = re.compile(rb"^#!\s*(?:/usr)?/bin/(?:env\s+)?(?:sh|bash|dash|ksh)\b")


def is_shell_script(path: Path) -> bool:
    if path.suffix == ".j2" or not path.is_file():
        return False
    if path.suffix == ".sh":
        return True
    with path.open("rb") as handle:
        return bool(SHEBANG.match(handle.readline(200)))


def main() -> int:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607 (git from PATH)
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    scripts = [name for name in tracked if name and is_shell_script(ROOT / name)]
    if not scripts:
        print("shell-scripts: git lists no shell script; is this the repository?", file=sys.stderr)
        return 1
    print("\n".join(scripts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

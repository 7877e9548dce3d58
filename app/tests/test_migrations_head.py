"""``assistant migrations-head``: what a restore compares a dump's schema revision with."""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

from conftest import ASSISTANT

VERSIONS = Path(__file__).resolve().parents[1] / "src" / "assistant_app" / "migrations" / "versions"


def _revisions_on_disk() -> dict[str, str | None]:
    """revision -> down_revision, read from the migration files themselves."""
    found = {}
    for path in VERSIONS.glob("*.py"):
        values = {}
        for node in ast.parse(path.read_text()).body:
            target = node.targets[0] if isinstance(node, ast.Assign) else None
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(node.value)
        found[values["revision"]] = values.get("down_revision")
    return found


def test_migrations_head_prints_the_shipped_revisions_without_a_database():
    # No POSTGRES_* in the environment and no server: the command needs neither.
    result = subprocess.run(
        [ASSISTANT, "migrations-head"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": str(Path(ASSISTANT).parent)},
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    on_disk = _revisions_on_disk()
    assert info["revisions"] == sorted(on_disk)
    # The head is the one revision no other revision names as its parent.
    parents = set(on_disk.values())
    heads = sorted(rev for rev in on_disk if rev not in parents)
    assert info["heads"] == heads
    assert info["head"] == (heads[0] if len(heads) == 1 else None)

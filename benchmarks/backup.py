#!/usr/bin/env python3
"""Time `make backup` and `make restore` with the dev database at 10,000 notes, against plain pg_dump/pg_restore.

  .venv/bin/python benchmarks/backup.py [--notes 10000]

In this run and on this machine, on a stack of the benchmark's own (the dev inventory, project
benchbackup, ports 28980/28900/28903, release history and backups under a temporary directory, so
a developer's dev stack and its data are never touched):
  1. the stack is deployed with the playbook of `make deploy`, and notes are added with SQL until
     the notes table holds --notes rows;
  2. `make backup` (playbooks/backup.yml): its seconds, and from the backup's record the database
     size, the dump size and the dump and verification seconds;
     baseline: `pg_dump --format=custom` of the same database in the PostgreSQL container;
  3. a few notes are written after the backup, then `make restore` of that backup
     (playbooks/restore.yml): its seconds and backup_restore_result's (checks, live replace,
     migrations, writers stopped);
     baseline: the same by hand with the plain dump: the writers stopped (`docker compose stop`),
     `pg_restore --clean --if-exists --single-transaction`, the migration job
     (`docker compose run --rm --no-deps migrate`), the writers started and waited for
     (`docker compose up -d --wait --no-deps`);
  4. the stack and everything under the temporary directory are removed.
Printed as a table with the ratios make / plain; recorded in benchmarks/figures.json (section
backup). Nothing is asserted; the run stops if a step fails or the restore does not bring the
backed-up notes back.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import figures  # benchmarks/figures.py: the figures file the guides quote
from isolated_stack import overrides, remove_project  # shared with the fault suite

REPO = Path(__file__).resolve().parents[1]
PLAYBOOK = REPO / ".venv" / "bin" / "ansible-playbook"
PROJECT = "benchbackup"
PORTS = {"nginx": 28980, "api": 28900, "sms": 28903}
WRITERS = ("api", "agent", "worker", "sms")  # backup_writer_services' default
FILL = (
    "INSERT INTO notes (title, body) SELECT 'benchmark note ' || g, 'Note ' || g || ' of the backup "
    "figures. ' || repeat('lorem ipsum ', 10) FROM generate_series(1, {n}) g"
)
NOTES_DIGEST = (
    "SELECT count(*) || ' ' || md5(string_agg(id || ':' || title || ':' || body, ',' ORDER BY id)) FROM notes"
)


def run(argv: list[str], timeout: float = 1800, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    return subprocess.run(argv, text=True, timeout=timeout, cwd=REPO, env=env, check=False, **kwargs)  # noqa: S603


def load() -> float:
    return os.getloadavg()[0]


def playbook(playbook: str, vars_file: Path, *extra: str, json_output: bool = False) -> tuple[float, str]:
    """Run a playbook with the dev inventory and the benchmark's overrides: (seconds, stdout)."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    if json_output:
        # The results as data (backup_restore_result), not as printed text; ansible.cfg's profile_tasks would
        # print into the JSON, and an empty list is refused: the stdout callback alone is named.
        env.update(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.json")
    start = time.monotonic()
    result = run([str(PLAYBOOK), "-i", "inventories/dev", playbook, "-e", f"@{vars_file}", *extra], env=env)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"{playbook} failed (rc {result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-2000:]}")
    return seconds, result.stdout


def fact(output: str, name: str):
    """The last value the json callback's output shows a task setting for the fact `name`."""
    found = None
    for play in json.loads(output)["plays"]:
        for task in play["tasks"]:
            for host in task["hosts"].values():
                found = host.get("ansible_facts", {}).get(name, found)
    return found


def container(service: str) -> str:
    labels = [f"label=com.docker.compose.project={PROJECT}", f"label=com.docker.compose.service={service}"]
    ids = run(["docker", "ps", "-q", *[a for label in labels for a in ("--filter", label)]]).stdout.split()
    if len(ids) != 1:
        sys.exit(f"expected one running {service} container of {PROJECT}, found {len(ids)}")
    return ids[0]


def psql(sql: str) -> str:
    shell = 'psql -X -q -A -t -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "$1"'
    result = run(["docker", "exec", container("postgres"), "sh", "-c", shell, "psql", sql], timeout=600)
    if result.returncode != 0:
        sys.exit(f"psql failed: {result.stderr}")
    return result.stdout.strip()


def compose(project_dir: Path, *args: str) -> subprocess.CompletedProcess:
    files = ["--project-directory", str(project_dir), "-f", str(project_dir / "docker-compose.dev.yml")]
    result = run(["docker", "compose", "--ansi", "never", *files, "-p", PROJECT, *args], timeout=900)
    if result.returncode != 0:
        sys.exit(f"docker compose {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def plain_dump(path: Path) -> float:
    """Seconds of pg_dump --format=custom in the PostgreSQL container, the dump written to path."""
    shell = 'pg_dump --format=custom -U "$POSTGRES_USER" -d "$POSTGRES_DB"'
    start = time.monotonic()
    with path.open("wb") as out:
        result = subprocess.run(  # noqa: S603
            ["docker", "exec", container("postgres"), "sh", "-c", shell],  # noqa: S607
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=600,
            check=False,
        )
    seconds = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"pg_dump failed: {result.stderr.decode(errors='replace')}")
    return seconds


def plain_restore(project_dir: Path, dump: Path) -> dict[str, float]:
    """The restore by hand: writers stopped, pg_restore, migrations, writers back and healthy."""
    shell = 'pg_restore --clean --if-exists --single-transaction --exit-on-error -U "$POSTGRES_USER" -d "$POSTGRES_DB"'
    start = time.monotonic()
    compose(project_dir, "stop", *WRITERS)
    replace_start = time.monotonic()
    with dump.open("rb") as data:
        result = subprocess.run(  # noqa: S603
            ["docker", "exec", "-i", container("postgres"), "sh", "-c", shell],  # noqa: S607
            stdin=data,
            capture_output=True,
            timeout=600,
            check=False,
        )
    replace = time.monotonic() - replace_start
    if result.returncode != 0:
        sys.exit(f"pg_restore failed: {result.stderr.decode(errors='replace')}")
    compose(project_dir, "run", "--rm", "--no-deps", "migrate")
    compose(project_dir, "up", "-d", "--wait", "--no-deps", *WRITERS)
    return {"total": time.monotonic() - start, "replace": replace}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--notes", type=int, default=10_000, help="rows in the notes table when the backup is taken")
    args = parser.parse_args()
    if not PLAYBOOK.exists():
        sys.exit("no toolchain in .venv: run `make venv` (or `make deploy` once) first")
    if run(["docker", "version", "--format", "{{.Server.Version}}"]).returncode != 0:
        sys.exit("no Docker engine answers: run `make engine` first")
    root = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    loads = {"start": load()}
    try:
        vars_file = root / "overrides.json"
        vars_file.write_text(json.dumps(overrides(root, PROJECT, PORTS)))
        remove_project(PROJECT)
        deploy_s, _ = playbook("deploy.yml", vars_file)
        missing = args.notes - int(psql("SELECT count(*) FROM notes"))
        if missing > 0:
            psql(FILL.format(n=missing))
        backed_up = psql(NOTES_DIGEST)

        loads["backup"] = load()
        backup_s, _ = playbook("playbooks/backup.yml", vars_file)
        record = json.loads(sorted((root / "state" / "backups").glob("*.json"))[-1].read_text())
        plain_file = root / "plain.dump"
        loads["plain dump"] = load()
        plain_dump_s = plain_dump(plain_file)

        psql("INSERT INTO notes (title, body) SELECT 'after the backup ' || g, 'gone after the restore' "
             "FROM generate_series(1, 3) g")  # fmt: skip
        loads["restore"] = load()
        restore_s, output = playbook(
            "playbooks/restore.yml", vars_file, "-e", f"backup_restore_id={record['id']}", json_output=True
        )
        restored = fact(output, "backup_restore_result")
        if psql(NOTES_DIGEST) != backed_up or not restored:
            sys.exit("make restore did not bring the backed-up notes back")

        psql("INSERT INTO notes (title, body) VALUES ('after the backup', 'gone after the plain restore')")
        loads["plain restore"] = load()
        plain = plain_restore(root / "stack", plain_file)
        if psql(NOTES_DIGEST) != backed_up:
            sys.exit("the plain restore did not bring the backed-up notes back")
        loads["end"] = load()
        plain_size = plain_file.stat().st_size
    finally:
        remove_project(PROJECT)
        shutil.rmtree(root, ignore_errors=True)

    seconds = {k: float(v) for k, v in restored["seconds"].items()}
    notes = record["row_counts"]["public.notes"]
    print(f"\nBackup benchmark: {notes} notes, {record['rows']} rows in {len(record['row_counts'])} tables")
    print("load: " + ", ".join(f"{name} {value:.1f}" for name, value in loads.items()))
    print(f"{'measure':<58} {'value':>10}  {'plain':>8}  ratio")
    print(f"{'-' * 58} {'-' * 10}  {'-' * 8}  {'-' * 6}")
    print(f"{'database size, pg_database_size (MB)':<58} {record['database_size'] / 1e6:>10.1f}")
    print(f"{'dump size, pg_dump --format=custom (kB)':<58} {record['size'] / 1e3:>10.0f}  {plain_size / 1e3:>8.0f}")
    print(f"{'make backup (s)':<58} {backup_s:>10.1f}  {plain_dump_s:>8.2f}  {backup_s / plain_dump_s:>6.1f}")
    print(f"{'  of which pg_dump with the row counts (s)':<58} {record['timings']['dump']:>10.2f}")
    print(f"{'  of which verification, throwaway restore (s)':<58} {record['timings']['verify']:>10.1f}")
    restore_ratio = restore_s / plain["total"]
    print(f"{'make restore (s)':<58} {restore_s:>10.1f}  {plain['total']:>8.1f}  {restore_ratio:>6.1f}")
    print(f"{'  of which checks with a throwaway restore (s)':<58} {seconds['checks']:>10.1f}")
    replace = f"{seconds['restore']:>10.2f}  {plain['replace']:>8.2f}"
    print(f"{'  of which the live replace, one transaction (s)':<58} {replace}")
    print(f"{'  of which migrations (s)':<58} {seconds['migrations']:>10.1f}")
    print(f"{'  writers stopped, stop to healthy (s)':<58} {seconds['writers_stopped']:>10.1f}")
    print(f"(the stack's deploy took {deploy_s:.1f} s)")
    figures.record(
        "backup",
        {
            "notes": notes,
            "database_mb": record["database_size"] / 1e6,
            "dump_kb": record["size"] / 1e3,
            "plain_dump_kb": plain_size / 1e3,
            "backup_s": backup_s,
            "dump_s": record["timings"]["dump"],
            "verify_s": record["timings"]["verify"],
            "plain_dump_s": plain_dump_s,
            "backup_ratio": backup_s / plain_dump_s,
            "restore_s": restore_s,
            "restore_checks_s": seconds["checks"],
            "restore_replace_s": seconds["restore"],
            "restore_migrations_s": seconds["migrations"],
            "writers_stopped_s": seconds["writers_stopped"],
            "plain_restore_s": plain["total"],
            "plain_replace_s": plain["replace"],
            "restore_ratio": restore_ratio,
        },
        by="benchmarks/backup.py",
        note=f"load at start {loads['start']:.1f}, at make restore {loads['restore']:.1f}, at end {loads['end']:.1f}",
    )


if __name__ == "__main__":
    main()

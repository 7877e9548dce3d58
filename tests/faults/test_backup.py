"""Backup and restore against the live fault-test stack (issue #17), with the dev database at 10,000 notes.

- A backup is taken with `playbooks/backup.yml` (make backup): its record says it was verified by a
  restore into a throwaway database, with every table's row count equal to the live database's.
- Notes written after it are gone after `playbooks/restore.yml` (make restore); every note before
  it is back, unchanged, and the stack is healthy.
- Dumps that must not be restored are refused with the live database untouched and no container
  stopped or replaced: one byte flipped, a dump cut short whose record was rewritten to match it,
  one from a newer schema, an id that names nothing.

Timings and sizes go into the report (the closing figures of #17); none is asserted.
Runs before tests/faults/test_faults.py (file order), so the faults' ledger is written after the restore.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest
from faultsuite import (
    API,
    ansible_playbook,
    container_state,
    docker,
    flat,
    http,
    notes_rows,
    service_container,
    stack_healthy,
    wait_for,
)

NOTES = 10_000


def psql(sql: str) -> str:
    pg = service_container("postgres")["Name"].lstrip("/")
    result = docker(
        "exec", pg, "sh", "-c", 'psql -X -q -A -t -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "$1"',
        "psql", sql, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, f"psql failed: {result.stderr}"
    return result.stdout.strip()


def play(stack, playbook: str, *extra: str) -> tuple[object, float]:
    start = time.monotonic()
    result = ansible_playbook("-i", "inventories/dev", playbook, "-e", f"@{stack.vars_file}", *extra, timeout=900)
    return result, time.monotonic() - start


def records(stack) -> list[dict]:
    folder = stack.state_dir / "backups"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


@pytest.fixture(scope="module")
def backup(stack, report):
    """10,000 notes, then make backup: (the record, the notes at backup time, seconds of make backup)."""
    missing = NOTES - int(psql("SELECT count(*) FROM notes"))
    if missing > 0:
        fill = (
            "INSERT INTO notes (title, body) SELECT 'fault-suite note ' || g, 'Note ' || g || ' of the backup "
            "figures. ' || repeat('lorem ipsum ', 10) FROM generate_series(1, %d) g"
        )
        psql(fill % missing)
    before = notes_rows()
    result, seconds = play(stack, "playbooks/backup.yml")
    stack.outputs["make backup (dev)"] = result.stdout + result.stderr
    assert result.returncode == 0, f"make backup failed:\n{result.stdout[-5000:]}\n{result.stderr[-2000:]}"
    record = records(stack)[-1]
    return record, before, seconds


def test_backup_is_verified_with_every_row_count(stack, report, backup):
    record, before, seconds = backup
    dump = stack.state_dir / "backups" / record["file"]
    assert record["status"] == "ok", record
    assert record["row_counts"]["public.notes"] == before.count
    assert record["restored_row_counts"] == record["row_counts"]
    assert record["size"] == dump.stat().st_size
    assert record["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert oct(dump.stat().st_mode & 0o777) == "0o600"
    report.notes.append(
        f"Backup of the dev database with {record['row_counts']['public.notes']} notes: database "
        f"{record['database_size'] / 1e6:.1f} MB, dump {record['size'] / 1e3:.0f} kB (pg_dump custom format); "
        f"dump {record['timings']['dump']:.1f} s, verification (throwaway restore and counts) "
        f"{record['timings']['verify']:.1f} s; make backup {seconds:.0f} s in all."
    )


def test_restore_brings_the_backup_back(stack, report, backup):
    record, before, _ = backup
    after_ids = stack.write_notes(3, "after the backup")
    result, seconds = play(stack, "playbooks/restore.yml", "-e", f"backup_restore_id={record['id']}")
    stack.outputs["make restore (dev)"] = result.stdout + result.stderr
    assert result.returncode == 0, f"make restore failed:\n{result.stdout[-5000:]}\n{result.stderr[-2000:]}"
    healthy = wait_for(stack_healthy, 60, 1)
    after = notes_rows()
    report.rows("make restore (10,000 notes)", before, after)
    gone = [i for i in after_ids if http("GET", f"{API}/api/v1/notes/{i}")[0] != 404]
    report.fault(
        "make restore of a 10,000-note backup",
        "survived" if healthy is not None and after.rows == before.rows and not gone else "NOT recovered",
        seconds,
        f"{after.count} notes back as backed up, {len(after_ids)} later notes gone, stack healthy",
    )
    assert after.rows == before.rows, "the restored notes differ from the backed-up ones"
    assert not gone, f"notes written after the backup survived the restore: {gone}"
    assert healthy is not None
    report.notes.append(
        f"make restore of that backup: {seconds:.0f} s in all (checks, restore, migrations, health gate)."
    )


def _rewrite(dump: Path, record_path: Path, data: bytes, matching_record: bool) -> None:
    dump.write_bytes(data)
    if matching_record:
        record = json.loads(record_path.read_text())
        record.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        record_path.write_text(json.dumps(record))


# (case, what is done to the newest good backup, what the refusal says)
BAD_BACKUPS = [
    ("one byte flipped in the dump", "flip", "corrupted or replaced"),
    ("dump cut short, record rewritten to match", "truncate", "table of contents"),
    ("dump from a newer schema (revision 9999)", "newer", "the dump comes from a newer release"),
    ("BACKUP names no backup", "missing", "there is no backup 20000101T000000Z"),
]


@pytest.mark.parametrize(("case", "how", "says"), BAD_BACKUPS, ids=[c[1] for c in BAD_BACKUPS])
def test_a_bad_backup_is_refused_and_changes_nothing(stack, report, backup, tmp_path, case, how, says):
    record, _, _ = backup
    folder = stack.state_dir / "backups"
    target = record
    if how == "newer":
        # A real backup of a database whose schema says 9999: taken, verified, then refused.
        psql("UPDATE alembic_version SET version_num = '9999'")
        try:
            result, _ = play(stack, "playbooks/backup.yml")
            assert result.returncode == 0, result.stdout[-3000:]
        finally:
            psql("UPDATE alembic_version SET version_num = '0001'")
        target = records(stack)[-1]
        assert target["schema_head"] == "9999"
    dump, record_path = folder / target["file"], folder / f"{target['id']}.json"
    saved = tmp_path / "saved.dump", tmp_path / "saved.json"
    shutil.copy2(dump, saved[0])
    shutil.copy2(record_path, saved[1])
    data = dump.read_bytes()
    if how == "flip":
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0xFF
        _rewrite(dump, record_path, bytes(flipped), matching_record=False)
    elif how == "truncate":
        _rewrite(dump, record_path, data[:2000], matching_record=True)
    stack.write_notes(1, f"before refused restore ({how})")
    rows_before, containers_before = notes_rows(), container_state()
    backup_id = "20000101T000000Z" if how == "missing" else target["id"]
    try:
        result, seconds = play(stack, "playbooks/restore.yml", "-e", f"backup_restore_id={backup_id}")
    finally:
        shutil.copy2(saved[0], dump)
        shutil.copy2(saved[1], record_path)
        if how == "newer":
            # Not a backup anyone should restore later ("latest" would pick it).
            dump.unlink()
            record_path.unlink()
    output = flat(result.stdout + result.stderr)
    refused = result.returncode != 0 and "Refused to restore" in output and says in output
    unchanged = notes_rows().rows == rows_before.rows and container_state() == containers_before
    report.bad_input(case, "BACKUP (backup_restore_id)", refused, unchanged, seconds)
    assert refused, f"not refused as expected ({says!r}):\n{output[-3000:]}"
    assert "The live database was not touched" in output
    assert unchanged, "a refused restore changed the notes or the containers"

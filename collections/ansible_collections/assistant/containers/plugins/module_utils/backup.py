# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Decisions of the backup role: records, their checks, retention, the choice of a backup, refusals.

Everything here is plain data in, plain data out: no Docker, no files (except the
checksum helper), so the verdicts and their messages are unit-tested.

A backup is two files in the backup directory: ``<id>.dump`` (pg_dump custom format)
and ``<id>.json``, its record (see ``build_record``). A backup that failed its
verification keeps its record (status ``failed``) and its dump is renamed
``<id>.dump.failed``, so it can be looked at but is never taken for a good one.
"""

from __future__ import annotations

import hashlib
import json
import re

RECORD_FORMAT = 1
ID_RE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
# A table name as the meta query writes it: schema.table (both as PostgreSQL names them).
STATUS_OK = "ok"
STATUS_FAILED = "failed"
DUMP_SUFFIX = ".dump"
RECORD_SUFFIX = ".json"
FAILED_SUFFIX = ".dump.failed"
PARTIAL_SUFFIX = ".dump.partial"
# The fields a record must have, with their types, for a restore to trust it.
RECORD_FIELDS = {
    "format": int,
    "id": str,
    "created": str,
    "status": str,
    "file": str,
    "size": int,
    "sha256": str,
    "row_counts": dict,
}
_DELTA_RE = re.compile(r"(?:(\d+) days?, )?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")


class BackupError(ValueError):
    """Input the backup logic cannot use; the message says what was found and what is expected."""


# ---------------------------------------------------------------- small helpers


def is_backup_id(value):
    return isinstance(value, str) and ID_RE.fullmatch(value) is not None


def delta_seconds(delta):
    """Seconds of a command result's ``delta`` (``H:MM:SS.ffffff``, as ansible.builtin.command gives it)."""
    if isinstance(delta, (int, float)) and not isinstance(delta, bool):
        return round(float(delta), 3)
    match = _DELTA_RE.fullmatch(str(delta or "").strip())
    if not match:
        raise BackupError(f"expected a duration such as 0:00:01.250000, found {delta!r}")
    days, hours, minutes, seconds = match.groups()
    return round(int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds), 3)


def sha256_file(path, chunk=1024 * 1024):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _plural(count, word):
    return f"{count} {word}" + ("" if count == 1 else "s")


# ---------------------------------------------------------------- what the database says


def parse_meta(text, what="the database"):
    """The JSON line the meta query prints: database, size, server version, schema head, row counts.

    ``schema_head`` is null when the database has no alembic_version table (no migration ran),
    else the revision(s) in it, sorted and joined by commas.
    """
    if isinstance(text, dict):
        meta = text
    else:
        try:
            meta = json.loads(str(text).strip())
        except ValueError as exc:
            raise BackupError(
                f"{what} answered the row-count query with something that is not JSON ({exc}): {str(text)[:200]!r}"
            ) from exc
    if not isinstance(meta, dict):
        raise BackupError(f"{what} answered the row-count query with {type(meta).__name__}, expected a JSON object")
    counts = meta.get("row_counts")
    if not isinstance(counts, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0 for k, v in counts.items()
    ):
        raise BackupError(f"{what} gave row counts that are not a mapping of table to a count: {counts!r}")
    head = meta.get("schema_head")
    if head is not None and not isinstance(head, str):
        raise BackupError(f"{what} gave a schema head that is not a string: {head!r}")
    size = meta.get("database_size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
        raise BackupError(f"{what} gave a database size that is not a number of bytes: {size!r}")
    return {
        "database": meta.get("database"),
        "user": meta.get("user"),
        "database_size": size,
        "server_version": meta.get("server_version"),
        "schema_head": head or None,
        "row_counts": dict(sorted(counts.items())),
    }


def compare_counts(source, restored):
    """Differences between the source's row counts and the restored copy's, as messages (empty: equal)."""
    problems = []
    for table in sorted(set(source) | set(restored)):
        if table not in restored:
            problems.append(
                f"table {table} ({_plural(source[table], 'row')} in the source) is missing from the restored copy"
            )
        elif table not in source:
            problems.append(
                f"table {table} is in the restored copy ({_plural(restored[table], 'row')}) but not in the source"
            )
        elif source[table] != restored[table]:
            problems.append(f"table {table}: {_plural(source[table], 'row')} in the source, {restored[table]} restored")
    return problems


# ---------------------------------------------------------------- records


def build_record(
    backup_id,
    created,
    source,
    verification,
    size,
    sha256,
    release=None,
    project=None,
    environment=None,
    backend=None,
    host=None,
    trigger="manual",
    timings=None,
):
    """The record of a backup, with its verdict.

    source: parse_meta() of the live database, taken in the dump's snapshot.
    verification: {"error": str or None, "meta": the scratch copy's meta (or None)}.
    The backup is good (status ok) when the scratch restore succeeded and every table
    has the same number of rows as in the source.
    """
    if not is_backup_id(backup_id):
        raise BackupError(f"a backup id looks like 20261127T063000Z, found {backup_id!r}")
    source = parse_meta(source, "the live database")
    problems = []
    error = (verification or {}).get("error")
    restored = (verification or {}).get("meta")
    restored_counts = None
    if error:
        problems.append(f"the dump did not restore into a scratch database: {error}")
    elif restored is None:
        problems.append("the dump was not restored into a scratch database (no verification result)")
    else:
        restored = parse_meta(restored, "the scratch copy")
        restored_counts = restored["row_counts"]
        problems.extend(compare_counts(source["row_counts"], restored_counts))
        if restored["schema_head"] != source["schema_head"]:
            problems.append(
                f"schema head {restored['schema_head']} in the restored copy, {source['schema_head']} in the source"
            )
    if not isinstance(size, int) or size <= 0:
        problems.append(f"the dump file is empty or missing (size {size!r})")
    return {
        "format": RECORD_FORMAT,
        "id": backup_id,
        "created": created,
        "status": STATUS_FAILED if problems else STATUS_OK,
        "problems": problems,
        "trigger": trigger,
        "project": project,
        "environment": environment,
        "backend": backend,
        "host": host,
        "release": release or None,
        "database": source["database"],
        "user": source["user"],
        "server_version": source["server_version"],
        "database_size": source["database_size"],
        "schema_head": source["schema_head"],
        "row_counts": source["row_counts"],
        "rows": sum(source["row_counts"].values()),
        "restored_row_counts": restored_counts,
        "file": backup_id + (DUMP_SUFFIX if not problems else FAILED_SUFFIX),
        "size": size,
        "sha256": sha256,
        "timings": {k: delta_seconds(v) for k, v in sorted((timings or {}).items())},
    }


def record_problems(record):
    """What makes a record unusable (malformed, or not a good backup), as messages."""
    if not isinstance(record, dict):
        return [f"the record is not a JSON object (found {type(record).__name__})"]
    problems = []
    for name, kind in RECORD_FIELDS.items():
        if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
            problems.append(f"the record's {name} is missing or not a {kind.__name__} (found {record.get(name)!r})")
    if problems:
        return problems
    if record["format"] != RECORD_FORMAT:
        problems.append(f"the record has format {record['format']}; this collection reads format {RECORD_FORMAT}")
    if record["status"] != STATUS_OK:
        reasons = "; ".join(record.get("problems") or []) or "no reason recorded"
        problems.append(f"the backup failed its verification when it was taken ({reasons})")
    if not re.fullmatch(r"[0-9a-f]{64}", record["sha256"]):
        problems.append(f"the record's sha256 is not a SHA-256 hex digest (found {record['sha256']!r})")
    return problems


def file_problems(record, size, sha256=None):
    """Does the dump on disk match its record? size None: the file is missing. sha256 None: not computed."""
    if size is None:
        return [f"the dump {record.get('file')} is missing"]
    problems = []
    if size != record.get("size"):
        problems.append(f"the dump is {size} bytes but its record says {record.get('size')} (truncated or replaced)")
    if sha256 is not None and sha256 != record.get("sha256"):
        problems.append(
            f"the dump's sha256 is {sha256} but its record says {record.get('sha256')} (corrupted or replaced)"
        )
    return problems


# ---------------------------------------------------------------- the backup directory


def scan(names, records):
    """Classify a backup directory's entries.

    names: the file names in the directory. records: {id: parsed record or an error message}.
    Returns {"backups": [entry, ...] oldest first, "orphans": [file names]}, where an entry is
    {"id", "record" (dict or None), "dump" (file name or None), "problems" [messages], "status"}.
    Orphans are files no record explains: a partial dump, or a dump whose record was never written.
    """
    names = set(names)
    ids = sorted(
        {
            n[: -len(RECORD_SUFFIX)]
            for n in names
            if n.endswith(RECORD_SUFFIX) and is_backup_id(n[: -len(RECORD_SUFFIX)])
        }
    )
    explained = set()
    backups = []
    for backup_id in ids:
        record = records.get(backup_id)
        explained.add(backup_id + RECORD_SUFFIX)
        if not isinstance(record, dict):
            backups.append(
                {
                    "id": backup_id,
                    "record": None,
                    "dump": None,
                    "status": "unreadable",
                    "problems": [f"the record {backup_id}{RECORD_SUFFIX} cannot be read: {record}"],
                }
            )
            continue
        problems = record_problems(record)
        dump = record.get("file") if isinstance(record.get("file"), str) else None
        if dump is not None and dump not in (backup_id + DUMP_SUFFIX, backup_id + FAILED_SUFFIX):
            problems.append(f"the record names the dump {dump!r}, expected {backup_id}{DUMP_SUFFIX}")
            dump = None
        if record.get("id") != backup_id:
            problems.append(f"the record in {backup_id}{RECORD_SUFFIX} has the id {record.get('id')!r}")
        if dump is not None and dump in names:
            explained.add(dump)
        elif dump is not None:
            problems.append(f"the dump {dump} is missing")
            dump = None
        status = record.get("status") if record.get("status") in (STATUS_OK, STATUS_FAILED) else "unreadable"
        if status == STATUS_OK and problems:
            status = "unusable"
        backups.append({"id": backup_id, "record": record, "dump": dump, "status": status, "problems": problems})
    orphans = sorted(
        n
        for n in names - explained
        if n.endswith((DUMP_SUFFIX, FAILED_SUFFIX, PARTIAL_SUFFIX, RECORD_SUFFIX)) and ID_RE.match(n)
    )
    return {"backups": backups, "orphans": orphans}


def retention(backups, keep, orphans=()):
    """File names to delete so that the `keep` newest good backups stay.

    Good backups beyond the newest `keep` go. A failed or unusable backup stays only while it is
    newer than every good backup kept (the latest attempt, for diagnosis); older ones go. Orphans
    (partial dumps, dumps without a record) go when they are older than the newest backup.
    """
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise BackupError(f"backup_keep must be a whole number of at least 1, found {keep!r}")
    entries = sorted(backups, key=lambda b: b["id"])
    good = [b for b in entries if b["status"] == STATUS_OK]
    kept = {b["id"] for b in good[-keep:]}
    newest_good = good[-1]["id"] if good else ""
    delete = []
    for entry in entries:
        if entry["id"] in kept:
            continue
        if entry["status"] != STATUS_OK and entry["id"] > newest_good:
            continue
        delete.append(entry["id"] + RECORD_SUFFIX)
        if entry.get("dump"):
            delete.append(entry["dump"])
    newest = entries[-1]["id"] if entries else ""
    delete.extend(n for n in orphans if n[:16] < newest)
    return sorted(delete)


def choose(backups, wanted="latest"):
    """The backup to restore: the newest good one (wanted "latest") or the one named.

    Returns (entry, None) or (None, message).
    """
    entries = sorted(backups, key=lambda b: b["id"])
    available = ", ".join(b["id"] for b in entries if b["status"] == STATUS_OK) or "none"
    if wanted in (None, "", "latest"):
        good = [b for b in entries if b["status"] == STATUS_OK]
        if not good:
            others = ", ".join(f"{b['id']} ({b['status']})" for b in entries) or "none"
            return None, f"there is no good backup to restore (other entries: {others})"
        return good[-1], None
    if not is_backup_id(wanted):
        return None, (
            f"BACKUP must be a backup id such as 20261127T063000Z or 'latest', found {wanted!r} "
            f"(good backups: {available})"
        )
    for entry in entries:
        if entry["id"] == wanted:
            if entry["status"] != STATUS_OK:
                return None, f"backup {wanted} cannot be restored: " + "; ".join(entry["problems"])
            return entry, None
    return None, f"there is no backup {wanted} (good backups: {available})"


# ---------------------------------------------------------------- restore


def parse_migrations(text):
    """What `assistant migrations-head` prints: {"head", "heads", "revisions"}."""
    try:
        info = json.loads(str(text).strip()) if not isinstance(text, dict) else text
    except ValueError as exc:
        raise BackupError(
            f"the app image's `assistant migrations-head` did not print JSON ({exc}): {str(text)[:200]!r}"
        ) from exc
    if (
        not isinstance(info, dict)
        or not isinstance(info.get("revisions"), list)
        or not isinstance(info.get("heads"), list)
    ):
        raise BackupError(
            f"the app image's `assistant migrations-head` printed {info!r}; expected heads and revisions lists"
        )
    return {"head": info.get("head"), "heads": sorted(info["heads"]), "revisions": sorted(info["revisions"])}


def schema_problem(dump_head, migrations, release=None):
    """A message when the dump's schema is newer than (unknown to) the release's migrations, else None."""
    if dump_head is None:
        return None
    known = set(migrations["revisions"])
    unknown = [rev for rev in dump_head.split(",") if rev not in known]
    if not unknown:
        return None
    return (
        f"the dump's schema is at revision {dump_head}, which the migrations of release {release or 'unknown'} "
        f"do not know (they end at {', '.join(migrations['heads']) or 'nothing'}): "
        "the dump comes from a newer release. Deploy that release first, then restore; or pick an older backup"
    )


def restore_refusals(
    problems=(), list_result=None, scratch=None, source_counts=None, dump_head=None, migrations=None, release=None
):
    """Every reason to refuse a restore, checked before the live database is touched.

    problems: the record's and the file's problems (record_problems + file_problems).
    list_result: the result of `pg_restore --list` ({"rc", "stderr"}).
    scratch: the scratch restore ({"error": str or None, "meta": meta or None}).
    source_counts: the record's row counts; the scratch copy must match them.
    migrations: what the release's app image printed for `assistant migrations-head` (JSON text or mapping),
    or that command's result ({"rc", "stdout", "stderr"}).
    """
    refusals = list(problems)
    if refusals:
        # A dump that does not match its record is not looked at any further.
        return refusals
    if list_result is not None and list_result.get("rc") != 0:
        refusals.append(
            "pg_restore cannot read the dump's table of contents (truncated or not a pg_dump custom archive): "
            + (str(list_result.get("stderr") or "").strip().splitlines() or ["no error output"])[-1]
        )
        return refusals
    if scratch is not None:
        if scratch.get("error"):
            refusals.append(f"the dump does not restore into a scratch database: {scratch['error']}")
            return refusals
        meta = parse_meta(scratch.get("meta"), "the scratch copy")
        if source_counts is not None:
            refusals.extend(
                "the scratch copy differs from the record: " + p
                for p in compare_counts(source_counts, meta["row_counts"])
            )
        dump_head = meta["schema_head"]
    if migrations is not None:
        if isinstance(migrations, dict) and "rc" in migrations:
            if migrations["rc"] != 0:
                error = (str(migrations.get("stderr") or "").strip().splitlines() or ["no error output"])[-1]
                refusals.append(
                    f"the app image of release {release or 'unknown'} could not say which migrations it ships "
                    f"(`assistant migrations-head` exited {migrations['rc']}: {error})"
                )
                return refusals
            migrations = migrations.get("stdout")
        try:
            problem = schema_problem(dump_head, parse_migrations(migrations), release)
        except BackupError as exc:
            problem = f"cannot tell which migrations release {release or 'unknown'} ships: {exc}"
        if problem:
            refusals.append(problem)
    return refusals


# ---------------------------------------------------------------- where the database runs


def locate_compose(containers, project, service):
    """The running container of a Compose service, from docker_host_info's container list."""
    running = [
        c
        for c in containers or []
        if (c.get("Labels") or {}).get("com.docker.compose.project") == project
        and (c.get("Labels") or {}).get("com.docker.compose.service") == service
        and (c.get("Labels") or {}).get("com.docker.compose.oneoff", "False") != "True"
        and c.get("State") == "running"
    ]
    if not running:
        return {"found": False, "message": f"no running container of service {service} in Compose project {project}"}
    if len(running) > 1:
        return {
            "found": False,
            "message": f"{len(running)} running containers of service {service} in project {project}; expected one",
        }
    labels = running[0].get("Labels") or {}
    files = [f for f in (labels.get("com.docker.compose.project.config_files") or "").split(",") if f]
    return {
        "found": True,
        "container": running[0]["Id"],
        "image": running[0].get("ImageID") or running[0].get("Image"),
        "config_files": files,
        "working_dir": labels.get("com.docker.compose.project.working_dir"),
    }


def locate_swarm(tasks, node_ids, service_name):
    """The host whose engine runs the service's running task, and the task's container.

    tasks: docker_swarm_info's verbose tasks of the service. node_ids: {inventory host: the swarm
    node ID of its engine}. The backup must run there: only that engine can exec into the container.
    """
    running = [
        t
        for t in tasks or []
        if t.get("DesiredState") == "running"
        and (t.get("Status") or {}).get("State") == "running"
        and ((t.get("Status") or {}).get("ContainerStatus") or {}).get("ContainerID")
    ]
    if not running:
        states = ", ".join(sorted({(t.get("Status") or {}).get("State", "?") for t in tasks or []})) or "no tasks"
        return {"found": False, "message": f"no running task of service {service_name} (task states: {states})"}
    if len(running) > 1:
        return {"found": False, "message": f"{len(running)} running tasks of service {service_name}; expected one"}
    task = running[0]
    node = task.get("NodeID")
    hosts = sorted(h for h, n in (node_ids or {}).items() if n and n == node)
    if not hosts:
        known = ", ".join(f"{h}={n or 'not in the swarm'}" for h, n in sorted((node_ids or {}).items())) or "none"
        return {
            "found": False,
            "message": f"the task of {service_name} runs on swarm node {node}, which is none of the inventory hosts "
            f"asked ({known}); add that node's host to backup_swarm_hosts",
        }
    return {
        "found": True,
        "host": hosts[0],
        "node": node,
        "task": task.get("ID"),
        "container": task["Status"]["ContainerStatus"]["ContainerID"],
        "image": ((task.get("Spec") or {}).get("ContainerSpec") or {}).get("Image"),
    }


def job_stack(spec, job, image):
    """A stack file holding only one job of a stack file (with the networks, secrets, configs and volumes it uses).

    Deployed into the running stack without pruning, it runs that job once more and touches no other
    service. `image` replaces the job's image (the release's app image).
    """
    services = spec.get("services") or {}
    if job not in services:
        raise BackupError(f"the stack file has no service {job!r} (services: {', '.join(sorted(services)) or 'none'})")
    svc = {k: v for k, v in services[job].items() if k != "depends_on"}
    svc["image"] = image
    out = {k: v for k, v in spec.items() if k not in ("services", "networks", "secrets", "configs", "volumes")}
    out["services"] = {job: svc}
    nets = svc.get("networks") or []
    used = {
        "networks": list(nets) if isinstance(nets, (list, dict)) else [],
        "secrets": [s if isinstance(s, str) else s.get("source") for s in svc.get("secrets") or []],
        "configs": [c if isinstance(c, str) else c.get("source") for c in svc.get("configs") or []],
        "volumes": [
            v.get("source") for v in svc.get("volumes") or [] if isinstance(v, dict) and v.get("type") == "volume"
        ],
    }
    for key, names in used.items():
        top = spec.get(key) or {}
        picked = {n: top[n] for n in names if n in top}
        if picked:
            out[key] = picked
    return out


def job_state(services, tasks, name):
    """State of a Swarm job service's run: {"state": done|failed|pending|missing, "error"}.

    services/tasks: docker_swarm_info verbose output. A run is the service's current
    JobIteration; it is done when one of its tasks completed, failed when more tasks
    failed than the restart policy allows.
    """
    svc = next((s for s in services or [] if (s.get("Spec") or {}).get("Name") == name), None)
    if svc is None:
        return {"state": "missing", "error": f"no service {name}"}
    run = ((svc.get("JobStatus") or {}).get("JobIteration") or {}).get("Index", 0)
    own = [
        t
        for t in tasks or []
        if t.get("ServiceID") == svc.get("ID") and (t.get("JobIteration") or {}).get("Index", 0) == run
    ]
    if any((t.get("Status") or {}).get("State") == "complete" for t in own):
        return {"state": "done", "error": None}
    failed = [t for t in own if (t.get("Status") or {}).get("State") in ("failed", "rejected")]
    allowed = ((svc.get("Spec") or {}).get("TaskTemplate") or {}).get("RestartPolicy", {}).get("MaxAttempts", 0) or 0
    if failed and len(failed) > allowed:
        errors = sorted({(t.get("Status") or {}).get("Err") or "no error" for t in failed})
        return {"state": "failed", "error": "; ".join(errors)}
    return {"state": "pending", "error": None}

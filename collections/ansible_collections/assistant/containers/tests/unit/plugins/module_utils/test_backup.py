# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import json

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.backup import (
    BackupError,
    build_record,
    choose,
    compare_counts,
    delta_seconds,
    file_problems,
    is_backup_id,
    job_stack,
    job_state,
    locate_compose,
    locate_swarm,
    parse_meta,
    parse_migrations,
    record_problems,
    restore_refusals,
    retention,
    scan,
    schema_problem,
    sha256_file,
)

COUNTS = {"public.alembic_version": 1, "public.messages": 3, "public.notes": 10000}
META = {
    "database": "assistant",
    "database_size": 9_000_000,
    "server_version": "17.6",
    "schema_head": "0001",
    "row_counts": COUNTS,
}
SHA = "a" * 64


def record(backup_id="20261127T063000Z", **changes):
    rec = build_record(backup_id, "2026-11-27T06:30:00Z", META, {"meta": META}, 1234, SHA)
    rec.update(changes)
    return rec


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("20261127T063000Z", True),
        ("20261127T063000Z\n", False),
        ("20261127T0630Z", False),
        ("2026-11-27T06:30:00Z", False),
        ("../20261127T063000Z", False),
        (None, False),
    ],
)
def test_backup_id_is_a_utc_timestamp_and_nothing_else(value, ok):
    assert is_backup_id(value) is ok


@pytest.mark.parametrize(
    ("delta", "seconds"),
    [("0:00:01.250000", 1.25), ("1:02:03.5", 3723.5), ("2 days, 0:00:00", 172800.0), (1.2344, 1.234), ("0:00:00", 0)],
)
def test_delta_seconds(delta, seconds):
    assert delta_seconds(delta) == seconds


@pytest.mark.parametrize("delta", ["", "soon", "1:2:3", None])
def test_delta_seconds_refuses_what_is_not_a_duration(delta):
    with pytest.raises(BackupError, match="expected a duration"):
        delta_seconds(delta)


def test_sha256_file(tmp_path):
    path = tmp_path / "x.dump"
    path.write_bytes(b"PGDMP" * 100_000)
    assert sha256_file(str(path), chunk=4096) == hashlib.sha256(b"PGDMP" * 100_000).hexdigest()


# ---------------------------------------------------------------- meta and counts


def test_parse_meta_accepts_the_query_line_and_sorts_the_tables():
    line = json.dumps({**META, "row_counts": {"public.notes": 2, "public.alembic_version": 1}})
    meta = parse_meta(line)
    assert list(meta["row_counts"]) == ["public.alembic_version", "public.notes"]
    assert meta["schema_head"] == "0001"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ERROR:  relation does not exist", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({**META, "row_counts": {"public.notes": -1}}), "row counts"),
        (json.dumps({**META, "row_counts": {"public.notes": "12"}}), "row counts"),
        (json.dumps({**META, "row_counts": {"public.notes": True}}), "row counts"),
        (json.dumps({**META, "row_counts": None}), "row counts"),
        (json.dumps({**META, "schema_head": 1}), "schema head"),
        (json.dumps({**META, "database_size": "9 MB"}), "database size"),
    ],
)
def test_parse_meta_refuses_malformed_answers(text, message):
    with pytest.raises(BackupError, match=message):
        parse_meta(text)


def test_no_alembic_table_is_no_schema_head():
    assert parse_meta({**META, "schema_head": None})["schema_head"] is None
    assert parse_meta({**META, "schema_head": ""})["schema_head"] is None


@pytest.mark.parametrize(
    ("restored", "expected"),
    [
        (COUNTS, []),
        ({**COUNTS, "public.notes": 9999}, ["table public.notes: 10000 rows in the source, 9999 restored"]),
        (
            {k: v for k, v in COUNTS.items() if k != "public.messages"},
            ["table public.messages (3 rows in the source) is missing from the restored copy"],
        ),
        ({**COUNTS, "public.extra": 1}, ["table public.extra is in the restored copy (1 row) but not in the source"]),
    ],
)
def test_compare_counts(restored, expected):
    assert compare_counts(COUNTS, restored) == expected


# ---------------------------------------------------------------- records


def test_a_verified_backup_is_ok_and_keeps_everything_the_restore_needs():
    rec = build_record(
        "20261127T063000Z",
        "2026-11-27T06:30:00Z",
        json.dumps(META),
        {"error": None, "meta": json.dumps(META)},
        1234,
        SHA,
        release="20261127T060000Z-1a2b3c4d",
        trigger="pre-migration",
        timings={"dump": "0:00:01.500000", "verify": 2},
    )
    assert rec["status"] == "ok" and rec["problems"] == []
    assert rec["file"] == "20261127T063000Z.dump"
    assert rec["rows"] == 10004
    assert rec["schema_head"] == "0001"
    assert rec["release"] == "20261127T060000Z-1a2b3c4d"
    assert rec["timings"] == {"dump": 1.5, "verify": 2.0}
    assert record_problems(rec) == []


@pytest.mark.parametrize(
    ("verification", "size", "problem"),
    [
        ({"error": "pg_restore: error: could not read input file: end of file", "meta": None}, 1234, "did not restore"),
        ({"error": None, "meta": None}, 1234, "no verification result"),
        ({"meta": {**META, "row_counts": {**COUNTS, "public.notes": 9}}}, 1234, "public.notes: 10000 rows"),
        ({"meta": {**META, "schema_head": None}}, 1234, "schema head None in the restored copy"),
        ({"meta": META}, 0, "empty or missing"),
    ],
)
def test_a_backup_that_fails_its_verification_is_recorded_as_failed(verification, size, problem):
    rec = build_record("20261127T063000Z", "2026-11-27T06:30:00Z", META, verification, size, SHA)
    assert rec["status"] == "failed"
    assert rec["file"] == "20261127T063000Z.dump.failed"
    assert any(problem in p for p in rec["problems"]), rec["problems"]
    assert any("failed its verification" in p for p in record_problems(rec))


def test_build_record_refuses_a_bad_id():
    with pytest.raises(BackupError, match="20261127T063000Z"):
        build_record("latest", "x", META, {"meta": META}, 1, SHA)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"format": 2}, "format 2"),
        ({"sha256": "abc"}, "not a SHA-256"),
        ({"size": "1234"}, "size is missing or not a int"),
        ({"row_counts": None}, "row_counts is missing"),
        ({"status": "failed", "problems": ["x"]}, "failed its verification when it was taken (x)"),
    ],
)
def test_record_problems(changes, problem):
    assert any(problem in p for p in record_problems(record(**changes)))


def test_record_problems_of_something_not_a_record():
    assert record_problems(["not", "a", "record"]) == ["the record is not a JSON object (found list)"]


@pytest.mark.parametrize(
    ("size", "sha", "expected"),
    [
        (1234, SHA, []),
        (1234, None, []),
        (1000, None, ["the dump is 1000 bytes but its record says 1234 (truncated or replaced)"]),
        (1234, "b" * 64, [f"the dump's sha256 is {'b' * 64} but its record says {SHA} (corrupted or replaced)"]),
        (None, None, ["the dump 20261127T063000Z.dump is missing"]),
    ],
)
def test_file_problems(size, sha, expected):
    assert file_problems(record(), size, sha) == expected


# ---------------------------------------------------------------- the directory


def listing(*records_):
    names, recs = [], {}
    for rec in records_:
        names += [rec["id"] + ".json", rec["file"]]
        recs[rec["id"]] = rec
    return names, recs


def test_scan_classifies_good_failed_and_broken_backups():
    ok = record("20261127T010000Z")
    failed = build_record("20261127T020000Z", "t", META, {"error": "boom"}, 10, SHA)
    names, recs = listing(ok, failed)
    names += ["20261127T030000Z.json", "20261127T040000Z.json", "20261127T050000Z.dump.partial", "notes.txt"]
    recs["20261127T030000Z"] = "Expecting value: line 1 column 1 (char 0)"
    recs["20261127T040000Z"] = record("20261127T040000Z")  # its dump is gone
    found = scan(names, recs)
    by_id = {b["id"]: b for b in found["backups"]}
    assert [b["id"] for b in found["backups"]] == sorted(by_id)
    assert by_id["20261127T010000Z"]["status"] == "ok" and by_id["20261127T010000Z"]["problems"] == []
    assert by_id["20261127T020000Z"]["status"] == "failed"
    assert by_id["20261127T020000Z"]["dump"] == "20261127T020000Z.dump.failed"
    assert by_id["20261127T030000Z"]["status"] == "unreadable"
    assert by_id["20261127T040000Z"]["status"] == "unusable"
    assert "the dump 20261127T040000Z.dump is missing" in by_id["20261127T040000Z"]["problems"]
    assert found["orphans"] == ["20261127T050000Z.dump.partial"]


def test_scan_refuses_a_record_that_points_outside_its_own_files():
    rec = record("20261127T010000Z", file="../../etc/shadow")
    found = scan(["20261127T010000Z.json", "../../etc/shadow"], {"20261127T010000Z": rec})
    assert found["backups"][0]["status"] == "unusable"
    assert found["backups"][0]["dump"] is None


def test_scan_notices_a_record_renamed_to_another_id():
    rec = record("20261127T010000Z")
    found = scan(["20261127T020000Z.json", "20261127T010000Z.dump"], {"20261127T020000Z": rec})
    assert found["backups"][0]["status"] == "unusable"


def entries(*spec):
    """(id suffix hour, status) -> scan-like entries."""
    out = []
    for hour, status in spec:
        backup_id = f"20261127T{hour:02d}0000Z"
        dump = backup_id + (".dump" if status == "ok" else ".dump.failed")
        out.append({"id": backup_id, "status": status, "dump": dump, "problems": []})
    return out


@pytest.mark.parametrize(
    ("spec", "keep", "deleted_hours"),
    [
        ([(1, "ok"), (2, "ok"), (3, "ok")], 5, []),
        ([(1, "ok"), (2, "ok"), (3, "ok")], 2, [1]),
        ([(1, "ok"), (2, "ok"), (3, "ok")], 1, [1, 2]),
        # The newest attempt failed: it stays for diagnosis; older failures go.
        ([(1, "failed"), (2, "ok"), (3, "failed")], 1, [1]),
        # A failure older than the newest good backup goes even when fewer than keep are good.
        ([(1, "ok"), (2, "failed"), (3, "ok")], 5, [2]),
        # Nothing good: every failure is newer than nothing, all stay.
        ([(1, "failed"), (2, "unusable")], 3, []),
    ],
)
def test_retention(spec, keep, deleted_hours):
    deleted = retention(entries(*spec), keep)
    expected = []
    for hour in deleted_hours:
        entry = next(e for e in entries(*spec) if e["id"].startswith(f"20261127T{hour:02d}"))
        expected += [entry["id"] + ".json", entry["dump"]]
    assert deleted == sorted(expected)


def test_retention_removes_orphans_older_than_the_newest_backup_only():
    orphans = ["20261127T000000Z.dump.partial", "20261127T090000Z.dump.partial"]
    assert retention(entries((1, "ok")), 1, orphans) == ["20261127T000000Z.dump.partial"]


@pytest.mark.parametrize("keep", [0, -1, True, "5"])
def test_retention_refuses_a_keep_below_one(keep):
    with pytest.raises(BackupError, match="backup_keep"):
        retention([], keep)


@pytest.mark.parametrize(
    ("wanted", "chosen", "error"),
    [
        ("latest", "20261127T030000Z", None),
        ("", "20261127T030000Z", None),
        ("20261127T010000Z", "20261127T010000Z", None),
        ("20261127T040000Z", None, "cannot be restored"),
        (
            "20261127T050000Z",
            None,
            "there is no backup 20261127T050000Z (good backups: 20261127T010000Z, 20261127T030000Z)",
        ),
        ("yesterday", None, "BACKUP must be a backup id"),
    ],
)
def test_choose(wanted, chosen, error):
    found = entries((1, "ok"), (3, "ok"), (4, "failed"))
    found[2]["problems"] = ["it failed"]
    entry, message = choose(found, wanted)
    assert (entry["id"] if entry else None) == chosen
    assert (error in message) if error else message is None


def test_choose_latest_without_a_good_backup():
    entry, message = choose(entries((1, "failed")), "latest")
    assert entry is None
    assert message == "there is no good backup to restore (other entries: 20261127T010000Z (failed))"


# ---------------------------------------------------------------- restore refusals

MIGRATIONS = {"head": "0002", "heads": ["0002"], "revisions": ["0001", "0002"]}


@pytest.mark.parametrize(
    ("head", "refused"),
    [(None, False), ("0001", False), ("0002", False), ("0003", True), ("0001,0003", True)],
)
def test_schema_problem(head, refused):
    problem = schema_problem(head, MIGRATIONS, "R1")
    assert (problem is not None) is refused
    if refused:
        assert "newer release" in problem and "R1" in problem and "0002" in problem


def test_parse_migrations():
    assert parse_migrations(json.dumps(MIGRATIONS)) == MIGRATIONS
    with pytest.raises(BackupError, match="did not print JSON"):
        parse_migrations("Traceback (most recent call last):")
    with pytest.raises(BackupError, match="heads and revisions"):
        parse_migrations('{"head": "0001"}')


GOOD_SCRATCH = {"error": None, "meta": META}


@pytest.mark.parametrize(
    ("kwargs", "refusal"),
    [
        ({}, None),
        ({"problems": ["the dump's sha256 is x but its record says y (corrupted or replaced)"]}, "corrupted"),
        (
            {"list_result": {"rc": 1, "stderr": "pg_restore: error: did not find magic string in file header\n"}},
            "did not find magic string in file header",
        ),
        ({"list_result": {"rc": 1, "stderr": ""}}, "no error output"),
        ({"scratch": {"error": "pg_restore: error: could not read input file: end of file"}}, "scratch database"),
        (
            {"scratch": {"meta": {**META, "row_counts": {**COUNTS, "public.notes": 1}}}},
            "the scratch copy differs from the record: table public.notes",
        ),
        ({"scratch": {"meta": {**META, "schema_head": "0009"}}}, "revision 0009"),
        ({"scratch": None, "dump_head": "0009"}, "revision 0009"),
        ({"migrations": {"rc": 0, "stdout": json.dumps(MIGRATIONS), "stderr": ""}}, None),
        (
            {"migrations": {"rc": 127, "stdout": "", "stderr": 'exec: "assistant": executable file not found\n'}},
            "could not say which migrations it ships (`assistant migrations-head` exited 127: exec:",
        ),
        ({"migrations": {"rc": 0, "stdout": "usage: assistant ...", "stderr": ""}}, "cannot tell which migrations"),
    ],
)
def test_restore_refusals(kwargs, refusal):
    args = {
        "problems": [],
        "list_result": {"rc": 0, "stderr": ""},
        "scratch": GOOD_SCRATCH,
        "source_counts": COUNTS,
        "migrations": MIGRATIONS,
        "release": "R1",
    }
    args.update(kwargs)
    refusals = restore_refusals(**args)
    if refusal is None:
        assert refusals == []
    else:
        assert len(refusals) == 1 and refusal in refusals[0], refusals


def test_a_dump_that_does_not_match_its_record_is_not_opened():
    refusals = restore_refusals(
        ["size"], list_result={"rc": 1, "stderr": "x"}, scratch={"error": "y"}, migrations=MIGRATIONS
    )
    assert refusals == ["size"]


# ---------------------------------------------------------------- where the database runs


FILES = ["/srv/p/docker-compose.dev.yml", "/srv/p/docker-compose.dev.rollback.yml"]


def container(project="p", service="postgres", state="running", oneoff="False", cid="c1"):
    return {
        "Id": cid,
        "ImageID": "sha256:img",
        "State": state,
        "Labels": {
            "com.docker.compose.project": project,
            "com.docker.compose.service": service,
            "com.docker.compose.oneoff": oneoff,
            "com.docker.compose.project.config_files": ",".join(FILES),
            "com.docker.compose.project.working_dir": "/srv/p",
        },
    }


def test_locate_compose_finds_the_running_service_container():
    found = locate_compose(
        [container(cid="other", project="q"), container(cid="run", oneoff="True"), container()], "p", "postgres"
    )
    assert found["found"] and found["container"] == "c1" and found["image"] == "sha256:img"
    assert found["config_files"] == FILES


@pytest.mark.parametrize(
    ("containers", "message"),
    [
        ([], "no running container of service postgres in Compose project p"),
        ([container(state="exited")], "no running container"),
        ([container(cid="a"), container(cid="b")], "2 running containers"),
    ],
)
def test_locate_compose_without_exactly_one(containers, message):
    found = locate_compose(containers, "p", "postgres")
    assert not found["found"] and message in found["message"]


def task(node="n2", state="running", desired="running", cid="ctr"):
    return {
        "ID": "t1",
        "NodeID": node,
        "DesiredState": desired,
        "Status": {"State": state, "ContainerStatus": {"ContainerID": cid}},
        "Spec": {"ContainerSpec": {"Image": "reg/assistant/postgres:17@sha256:x"}},
    }


def test_locate_swarm_names_the_host_whose_engine_runs_the_task():
    found = locate_swarm(
        [task(state="shutdown", desired="shutdown", node="n1"), task()],
        {"manager": "n1", "data": "n2", "worker": "n3"},
        "s_postgres",
    )
    assert found == {
        "found": True,
        "host": "data",
        "node": "n2",
        "task": "t1",
        "container": "ctr",
        "image": "reg/assistant/postgres:17@sha256:x",
    }


@pytest.mark.parametrize(
    ("tasks", "nodes", "message"),
    [
        ([], {"m": "n1"}, "no running task of service s_postgres (task states: no tasks)"),
        ([task(state="starting")], {"m": "n2"}, "task states: starting"),
        ([task(), task()], {"m": "n2"}, "2 running tasks"),
        (
            [task(node="n9")],
            {"m": "n1", "w": ""},
            "runs on swarm node n9, which is none of the inventory hosts asked (m=n1, w=not in the swarm)",
        ),
    ],
)
def test_locate_swarm_failures(tasks, nodes, message):
    found = locate_swarm(tasks, nodes, "s_postgres")
    assert not found["found"] and message in found["message"]


# ---------------------------------------------------------------- the migration job on Swarm

SPEC = {
    "name": "assistant-prod",
    "services": {
        "postgres": {"image": "pg", "networks": ["back"], "volumes": [{"type": "volume", "source": "postgres_data"}]},
        "migrate": {
            "image": "app:1",
            "networks": ["back"],
            "depends_on": ["postgres"],
            "secrets": [{"source": "postgres_password", "target": "postgres_password"}],
            "volumes": [{"type": "tmpfs", "target": "/scratch"}],
            "deploy": {"mode": "replicated-job"},
        },
        "nginx": {"image": "nginx", "networks": ["front"], "configs": [{"source": "nginx_conf"}]},
    },
    "networks": {"front": {"driver": "overlay"}, "back": {"driver": "overlay", "internal": True}},
    "secrets": {"postgres_password": {"external": True, "name": "p_v1"}, "app_secret_key": {"external": True}},
    "configs": {"nginx_conf": {"file": "./env/prod/nginx.conf"}},
    "volumes": {"postgres_data": {}},
}


def test_job_stack_holds_only_the_job_and_what_it_uses():
    out = job_stack(SPEC, "migrate", "reg/app@sha256:abc")
    assert out == {
        "name": "assistant-prod",
        "services": {
            "migrate": {
                "image": "reg/app@sha256:abc",
                "networks": ["back"],
                "secrets": [{"source": "postgres_password", "target": "postgres_password"}],
                "volumes": [{"type": "tmpfs", "target": "/scratch"}],
                "deploy": {"mode": "replicated-job"},
            }
        },
        "networks": {"back": {"driver": "overlay", "internal": True}},
        "secrets": {"postgres_password": {"external": True, "name": "p_v1"}},
    }
    assert SPEC["services"]["migrate"]["image"] == "app:1", "the input is not changed"


def test_job_stack_refuses_an_unknown_job():
    with pytest.raises(BackupError, match="no service 'seed'"):
        job_stack(SPEC, "seed", "x")


def swarm(state, index=1, max_attempts=0, err=None):
    return (
        [
            {
                "ID": "s1",
                "Spec": {"Name": "st_migrate", "TaskTemplate": {"RestartPolicy": {"MaxAttempts": max_attempts}}},
                "JobStatus": {"JobIteration": {"Index": index}},
            }
        ],
        [
            {"ServiceID": "s1", "JobIteration": {"Index": index - 1}, "Status": {"State": "complete"}},
            *[{"ServiceID": "s1", "JobIteration": {"Index": index}, "Status": {"State": s, "Err": err}} for s in state],
        ],
    )


@pytest.mark.parametrize(
    ("states", "max_attempts", "expected"),
    [
        (["complete"], 0, "done"),
        (["failed", "complete"], 1, "done"),
        (["running"], 0, "pending"),
        ([], 0, "pending"),
        (["failed"], 0, "failed"),
        (["failed"], 2, "pending"),
        (["rejected", "failed", "failed"], 2, "failed"),
    ],
)
def test_job_state_judges_the_current_run_only(states, max_attempts, expected):
    services, tasks = swarm(states, index=2, max_attempts=max_attempts, err="exit 1")
    assert job_state(services, tasks, "st_migrate")["state"] == expected


def test_job_state_of_a_missing_service():
    assert job_state([], [], "st_migrate")["state"] == "missing"

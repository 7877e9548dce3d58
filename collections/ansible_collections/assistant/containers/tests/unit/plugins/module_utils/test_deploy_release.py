# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.deploy_release import (
    ReleaseError,
    changed_services,
    choose_release,
    deploy_result,
    fingerprint,
    image_ids,
    image_pins,
    jobs_decision,
    jobs_key,
    option_problems,
    pin_file,
    previous_release,
    read_release_files,
    read_releases,
    release_directories,
    release_files,
    release_record,
    rendered_changes,
    services_table,
    serving_current,
    serving_record,
    settle_record,
    store_plan,
    summary_lines,
    to_forget,
    utc,
)

NOW = datetime(2026, 11, 27, 6, 30, 0, tzinfo=UTC)
A, B, C = "20261125T100000Z-aaaaaaaa", "20261126T100000Z-bbbbbbbb", "20261127T100000Z-cccccccc"


def _record(**kwargs):
    base = {
        "backend": "compose",
        "environment": "dev",
        "name": "assistant",
        "content": "services: {}\n",
        "images": {"api": "sha256:1", "nginx": "sha256:2"},
        "now": NOW,
    }
    base.update(kwargs)
    return release_record(**base)


# ---- the record ----------------------------------------------------------------------------------


def test_fingerprint_matches_the_jinja_it_replaces():
    # record.yml computed (content ~ (images | dictsort | to_json) ~ jobs_key) | hash('sha256').
    images = {"nginx": "sha256:2", "api": "sha256:1"}
    jinja = "c" + '[["api", "sha256:1"], ["nginx", "sha256:2"]]' + "k"
    assert fingerprint("c", images, "k") == hashlib.sha256(jinja.encode()).hexdigest()


def test_jobs_key_matches_the_jinja_it_replaces():
    parts = ["compose", ["app.env"], ["sha256:1"]]
    assert jobs_key(parts) == hashlib.sha256(b'["compose", ["app.env"], ["sha256:1"]]').hexdigest()


def test_release_record_fields():
    record = _record(refs={"api": "assistant/app:1"}, jobs_key="k", who="me@host", files=["docker-compose.dev.yml"])
    assert record["id"] == "20261127T063000Z-" + record["fingerprint"][:8]
    assert record["created"] == "2026-11-27T06:30:00Z"
    assert (record["backend"], record["project"], record["environment"]) == ("compose", "assistant", "dev")
    assert record["refs"] == {"api": "assistant/app:1"}
    assert record["files"] == ["docker-compose.dev.yml"]
    json.dumps(record)
    assert _record(backend="swarm")["stack"] == "assistant"


@pytest.mark.parametrize(
    "change",
    [
        {"content": "services: {api: {}}\n"},
        {"images": {"api": "sha256:9", "nginx": "sha256:2"}},
        {"jobs_key": "other"},
    ],
)
def test_fingerprint_changes_with_each_input(change):
    assert _record(**change)["fingerprint"] != _record()["fingerprint"]


def test_fingerprint_ignores_who_when_and_revision():
    later = datetime(2026, 12, 1, tzinfo=UTC)
    assert _record(who="x", revision="abc", now=later)["fingerprint"] == _record()["fingerprint"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"backend": "kubernetes"}, "backend: expected one of compose, swarm"),
        ({"images": ["api"]}, "images: expected a mapping"),
        ({"now": "last tuesday"}, "now: expected an ISO 8601 time"),
        ({"now": 12}, "now: expected a time"),
    ],
)
def test_release_record_refuses(kwargs, message):
    with pytest.raises(ReleaseError, match=message):
        _record(**kwargs)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-27T06:30:00Z", NOW),
        ("2026-11-27T07:30:00+01:00", NOW),
        (datetime(2026, 11, 27, 6, 30), NOW),  # naive is UTC
    ],
)
def test_utc(value, expected):
    assert utc(value) == expected


def test_settle_record_keeps_the_current_one_when_nothing_changed():
    new = _record()
    current = dict(new, id=A, created="earlier")
    assert settle_record(new, current) is current
    assert settle_record(new, dict(current, fingerprint="other")) is new
    assert settle_record(new, {}) is new


@pytest.mark.parametrize(
    "current, key, missing, run, reason",
    [
        ({}, "k", [], True, "no release is recorded yet"),
        ({"id": A}, "k", [], True, "the current release records no jobs key"),
        ({"id": A, "jobs_key": "old"}, "k", [], True, "the files or images they depend on changed"),
        ({"id": A, "jobs_key": "k"}, "k", ["postgres", "api"], True, "not running: api, postgres"),
        ({"id": A, "jobs_key": "k"}, "k", [], False, "they ran for this release's files and images"),
    ],
)
def test_jobs_decision(current, key, missing, run, reason):
    decision = jobs_decision(current, key, ["migrate", "seed"], missing)
    assert (decision["run"], decision["reason"], decision["jobs"]) == (run, reason, ["migrate", "seed"])


def test_jobs_decision_without_jobs():
    assert jobs_decision({}, "k", [])["run"] is False


def test_release_files_and_directories():
    record = _record()
    files = [{"path": "docker-compose.dev.yml", "content": "c"}, {"path": "env/dev/app.env", "content": "A=1\n"}]
    entries = release_files(record, files)
    rid = record["id"]
    assert [e["path"] for e in entries] == [
        f"{rid}/docker-compose.dev.yml",
        f"{rid}/env/dev/app.env",
        f"{rid}/release.json",
        "current",  # last: the release is current only once all of it is written
    ]
    assert json.loads(entries[2]["content"])["id"] == rid
    assert entries[3]["content"] == rid + "\n"
    # The stack's files keep the compose role's mode (a restore copies them back); record and pointer 0640.
    assert [e["mode"] for e in entries] == ["0644", "0644", "0640", "0640"]
    assert [d["path"] for d in release_directories(files, rid)] == [rid, f"{rid}/env", f"{rid}/env/dev"]


def test_store_plan_writes_nothing_for_the_current_release():
    record = _record()
    assert store_plan(record, [], record["id"]) == {"directories": [], "files": []}
    assert len(store_plan(record, [], A)["files"]) == 2


@pytest.mark.parametrize(
    "ids, keep, protect, expected",
    [
        ([A, B, C], 2, [], [A]),
        ([A, B, C], 10, [], []),
        ([A, B, C], 1, [A], [B]),  # the current one survives even when old
        ([C, A, B, B], 1, [], [A, B]),
    ],
)
def test_to_forget(ids, keep, protect, expected):
    assert to_forget(ids, keep, protect) == expected


@pytest.mark.parametrize("keep", [0, -1, "2", True])
def test_to_forget_refuses_a_bad_keep(keep):
    with pytest.raises(ReleaseError, match="keep: expected a whole number"):
        to_forget([A], keep)


# ---- choosing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ids, current, wanted, expected",
    [
        ([A, B, C], C, "previous", B),
        ([A, B, C], B, "previous", A),
        ([A, B, C], A, "previous", ""),  # nothing older
        ([A, B, C], "", "previous", ""),  # nothing current
        ([A, C], B, "previous", A),  # the current release's directory was removed by hand
        ([A, B, C], C, A, A),
        ([A, B, C], C, "20991231T000000Z-00000000", ""),  # not recorded
        ([A, B, C], C, "current", C),
        ([A, B], C, "current", ""),
    ],
)
def test_choose_release(ids, current, wanted, expected):
    assert choose_release(ids, current, wanted) == expected


def test_previous_release_is_strictly_older():
    assert previous_release([A, B], B) == A
    assert previous_release([A, B], A) == ""


def _write_release(root, release_id, record=None, text=None):
    (root / release_id).mkdir(parents=True)
    if text is not None:
        (root / release_id / "release.json").write_text(text)
    elif record is not None:
        (root / release_id / "release.json").write_text(json.dumps(record))


def test_read_releases(tmp_path):
    root = tmp_path / "releases"
    _write_release(root, A, {"id": A, "fingerprint": "a"})
    _write_release(root, B, {"fingerprint": "b"})
    _write_release(root, C, text="{not json")
    (root / "lock").mkdir()  # not a release
    (root / "current").write_text(B + "\n")
    history = read_releases(str(root), "previous")
    assert history["releases"] == [A, B, C]
    assert (history["current"], history["previous"], history["target"]) == (B, A, A)
    assert history["current_record"] == {"id": B, "fingerprint": "b"}  # the id is filled in
    assert history["target_record"]["fingerprint"] == "a"
    assert history["problems"] == []
    history = read_releases(str(root), C)
    assert history["target"] == C and history["target_record"] == {}
    assert len(history["problems"]) == 1 and "not JSON" in history["problems"][0]


def test_read_release_files(tmp_path):
    root = tmp_path / "releases"
    (root / A / "env" / "dev").mkdir(parents=True)
    (root / A / "docker-compose.dev.yml").write_text("services: {}\n")
    (root / A / "env" / "dev" / "app.env").write_text("A=1\n")
    record = {"id": A, "files": ["docker-compose.dev.yml", "env/dev/app.env", "env/dev/gone.env"]}
    expected = {"docker-compose.dev.yml": "services: {}\n", "env/dev/app.env": "A=1\n"}
    assert read_release_files(str(root), record) == expected
    assert read_release_files(str(root), {}) == {}
    with pytest.raises(ReleaseError, match="outside the release directory"):
        read_release_files(str(root), {"id": A, "files": ["../../etc/passwd"]})


@pytest.mark.parametrize("pointer", [None, "", "garbage\n", A + "\n"])
def test_read_releases_without_history(tmp_path, pointer):
    root = tmp_path / "releases"
    if pointer is not None:
        root.mkdir()
        (root / "current").write_text(pointer)
    history = read_releases(str(root))
    # A pointer to a release whose directory is gone reads as current without a record.
    assert history["current"] == (A if pointer == A + "\n" else "")
    assert (history["releases"], history["current_record"], history["previous"]) == ([], {}, "")


def _render(app_env="LOG_LEVEL=DEBUG\n", api=None, nginx_conf="server {}\n"):
    spec = {
        "services": {
            "api": api or {"image": "app:1", "env_file": ["./env/dev/app.env"]},
            "worker": {"image": "app:1", "env_file": "env/dev/app.env"},
            "nginx": {"image": "nginx:1", "configs": [{"source": "nginx_conf"}]},
            "postgres": {"image": "pg:17", "env_file": [{"path": "./env/dev/postgres.env", "required": True}]},
        },
        "configs": {"nginx_conf": {"file": "./env/dev/nginx.conf"}},
    }
    files = {"env/dev/app.env": app_env, "env/dev/postgres.env": "POSTGRES_DB=a\n", "env/dev/nginx.conf": nginx_conf}
    return {"spec": spec, "files": files}


SERVICES = ["api", "nginx", "postgres", "worker"]
IDS = {"api": "sha256:1", "worker": "sha256:1", "nginx": "sha256:2", "postgres": "sha256:3"}


@pytest.mark.parametrize(
    "new, new_images, expected",
    [
        (_render(), IDS, {}),
        (
            _render(app_env="LOG_LEVEL=WARNING\n"),
            IDS,
            {"api": "its env file changed: env/dev/app.env", "worker": "its env file changed: env/dev/app.env"},
        ),
        # A config file is bind-mounted: a new content alone does not recreate nginx.
        (_render(nginx_conf="server { listen 81; }\n"), IDS, {}),
        (_render(api={"image": "app:2", "env_file": ["./env/dev/app.env"]}), IDS, {"api": "its definition changed"}),
        (_render(), dict(IDS, postgres="sha256:9"), {"postgres": "its image changed"}),
    ],
)
def test_rendered_changes(new, new_images, expected):
    assert rendered_changes(_render(), new, SERVICES, IDS, new_images) == expected


def test_rendered_changes_of_a_new_service_and_a_first_deploy():
    new = _render()
    new["spec"]["services"]["sms"] = {"image": "app:1"}
    assert rendered_changes(_render(), new, ["sms"]) == {"sms": "new service"}
    assert rendered_changes({}, _render(), ["api"]) == {"api": "new service"}


# ---- restoring -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "images, refs, ids_now, expected",
    [
        # The tags still name the recorded images: nothing is pinned, so nothing else is recreated.
        (
            {"api": "sha256:1", "postgres": "sha256:2"},
            {"api": "app:1", "postgres": "postgres:16"},
            {"app:1": "sha256:1", "postgres:16": "sha256:2"},
            {},
        ),
        # app:1 was rebuilt since: only the app service is pinned to the recorded image.
        (
            {"api": "sha256:1", "postgres": "sha256:2"},
            {"api": "app:1", "postgres": "postgres:16"},
            {"app:1": "sha256:9", "postgres:16": "sha256:2"},
            {"api": "sha256:1"},
        ),
        # The tag is gone from the host.
        ({"api": "sha256:1"}, {"api": "app:1"}, {}, {"api": "sha256:1"}),
        # A record from before references were recorded pins everything (as before).
        ({"api": "sha256:1", "postgres": "sha256:2"}, {}, {}, {"api": "sha256:1", "postgres": "sha256:2"}),
    ],
)
def test_image_pins(images, refs, ids_now, expected):
    assert image_pins(images, refs, ids_now) == expected


def test_pin_file():
    assert pin_file({}, "x") == ""
    text = pin_file({"worker": "sha256:2", "api": "sha256:1"}, "Written by a rollback.")
    assert text.splitlines() == [
        "# Written by a rollback.",
        "services:",
        "  api:",
        '    image: "sha256:1"',
        "  worker:",
        '    image: "sha256:2"',
    ]


# ---- images and changes --------------------------------------------------------------------------

IMAGES = [
    {"Id": "sha256:app", "RepoTags": ["assistant/app-dev:dev"], "RepoDigests": []},
    {"Id": "sha256:pg", "RepoTags": ["postgres:16", "assistant/postgres:17"], "RepoDigests": ["postgres@sha256:d1"]},
    {"Id": "sha256:ng", "RepoTags": ["nginx:latest"], "RepoDigests": []},
    {"Id": "sha256:reg", "RepoTags": ["registry:5000/assistant/app:2.0.0"], "RepoDigests": []},
]


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("assistant/app-dev:dev", "sha256:app"),
        ("postgres:16", "sha256:pg"),
        ("docker.io/library/postgres:16", "sha256:pg"),
        ("postgres@sha256:d1", "sha256:pg"),
        ("nginx", "sha256:ng"),  # untagged means latest
        ("registry:5000/assistant/app:2.0.0", "sha256:reg"),  # a registry port is not a tag
        ("sha256:app", "sha256:app"),
        ("redis:7", ""),  # not on the host
    ],
)
def test_image_ids(ref, expected):
    assert image_ids([ref], IMAGES) == {ref: expected}


def _c(service, cid, state="running"):
    return {"service": service, "id": cid, "state": state}


@pytest.mark.parametrize(
    "before, after, expected",
    [
        ([_c("api", "1"), _c("db", "2")], [_c("db", "2"), _c("api", "1")], []),  # nothing touched
        ([_c("api", "1"), _c("db", "2")], [_c("api", "9"), _c("db", "2")], ["api"]),  # recreated
        ([_c("api", "1"), _c("db", "2", "exited")], [_c("api", "1"), _c("db", "2")], ["db"]),  # started
        ([_c("api", "1")], [_c("api", "1"), _c("db", "2")], ["db"]),  # created
        ([_c("api", "1"), _c("db", "2")], [_c("api", "1")], ["db"]),  # removed
        ([], [], []),
    ],
)
def test_changed_services(before, after, expected):
    assert changed_services(before, after) == expected


# ---- options ---------------------------------------------------------------------------------------

GOOD = {
    "deploy_keep_releases": 10,
    "deploy_lock_wait": 0,
    "deploy_lock_ttl": 3600,
    "deploy_health_timeout": 240,
    "deploy_job_timeout": 600,
    "deploy_min_free_disk_mb": 1024,
    "deploy_rollback_to": "previous",
    "deploy_backend": "compose",
    "deploy_swarm_converge_timeout": 0,
    "deploy_swarm_job_timeout": 300,
}


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, []),
        ({"deploy_rollback_to": A}, []),
        ({"deploy_lock_ttl": 10}, ["deploy_lock_ttl = 10: expected a whole number of at least 60 seconds."]),
        ({"deploy_keep_releases": 0}, ["deploy_keep_releases = 0: expected a whole number of at least 1."]),
        ({"deploy_keep_releases": True}, ["deploy_keep_releases = True: expected a whole number of at least 1."]),
        ({"deploy_lock_wait": "30"}, []),  # -e deploy_lock_wait=30 gives a string
        ({"deploy_lock_wait": "forever"}, ["deploy_lock_wait = 'forever': expected a whole number"]),
        ({"deploy_lock_wait": 1.5}, ["deploy_lock_wait = 1.5: expected a whole number"]),
        ({"deploy_lock_wait": -1}, ["deploy_lock_wait = -1: expected a whole number of at least 0 seconds."]),
        (
            {"deploy_rollback_to": "yesterday"},
            [
                "deploy_rollback_to = 'yesterday': expected \"previous\" or a release id such as "
                "20261127T063000Z-1a2b3c4d."
            ],
        ),
        ({"deploy_rollback_to": A + "\n"}, ["deploy_rollback_to = '" + A + "\\n': expected"]),
        ({"deploy_swarm_converge_timeout": 5}, ["deploy_swarm_converge_timeout = 5: expected 0 or at least 10"]),
        ({"deploy_swarm_job_timeout": 5}, ["deploy_swarm_job_timeout = 5: expected a whole number of at least 10"]),
        (
            {"deploy_health_timeout": 0, "deploy_job_timeout": 0},
            ["deploy_health_timeout = 0", "deploy_job_timeout = 0"],
        ),
        # Swarm only: the stack name and the registry credentials.
        ({"deploy_backend": "swarm", "deploy_project_name": "assistant-prod"}, []),
        (
            {"deploy_backend": "swarm", "deploy_swarm_stack_name": "Assistant Prod"},
            ["deploy_swarm_stack_name = 'Assistant Prod' (empty means deploy_project_name): expected lower-case"],
        ),
        (
            {"deploy_backend": "swarm", "deploy_project_name": "p", "deploy_swarm_registry": "r:5000"},
            ["deploy_swarm_registry = 'r:5000': expected deploy_swarm_registry_username and"],
        ),
        ({"deploy_swarm_stack_name": "Not Checked On Compose"}, []),
        # Compose's rule for project names, before the port check blames "project Assistant Dev!".
        (
            {"deploy_project_name": "Assistant Dev!"},
            ["deploy_project_name = 'Assistant Dev!' (from compose_project_name"],
        ),
        ({"deploy_project_name": "../../etc"}, ["deploy_project_name = '../../etc'"]),
        # The gate's endpoints, checked before the deploy changes anything (not first at the gate).
        ({"deploy_endpoints": [{"service": "api", "url": "http://127.0.0.1:8000/ready"}]}, []),
        ({"deploy_endpoints": [{"service": "nginx", "url": "https://127.0.0.1/ready", "validate_certs": False}]}, []),
        (
            {"deploy_endpoints": [{"service": "api", "url": "file:///etc/passwd"}]},
            ['deploy_endpoints[0].url = "file:///etc/passwd": has the scheme "file"; expected an http or https URL'],
        ),
        (
            {"deploy_endpoints": [{"service": "api", "url": "http://127.0.0.1:8000/ready\n"}]},
            ["deploy_endpoints[0].url = "],
        ),
        (
            {"deploy_endpoints": [{"service": "Api Server", "url": "http://127.0.0.1/"}]},
            ["deploy_endpoints[0].service = 'Api Server': expected the name of one of the stack's services"],
        ),
        ({"deploy_endpoints": [{"url": "http://127.0.0.1/"}]}, ["deploy_endpoints[0].service = None"]),
        (
            {"deploy_endpoints": ["http://127.0.0.1/"]},
            ["deploy_endpoints[0] = 'http://127.0.0.1/': expected a mapping"],
        ),
        ({"deploy_endpoints": "http://127.0.0.1/"}, ["deploy_endpoints = 'http://127.0.0.1/': expected a list"]),
    ],
)
def test_option_problems(change, expected):
    problems = option_problems(dict(GOOD, **change))
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start)


def test_option_problems_checks_only_what_is_given():
    assert option_problems({}) == []


# ---- result and summary ------------------------------------------------------------------------------


def _row(service, state="healthy", after=9.5, one_shot=False, image="sha256:1234567890abcdef", no_check=False):
    return {
        "service": service,
        "state": state,
        "desired": 1,
        "running": 1 if not one_shot else 0,
        "one_shot": one_shot,
        "no_healthcheck": no_check,
        "time_to_healthy": after,
        "endpoints": [{"ok": True}] if service == "api" else [],
        "containers": [{"state": "running", "image": image}],
    }


ROWS = [
    _row("api"),
    _row("migrate", "completed", 3.0, one_shot=True),
    _row("redis_exporter", after=None, no_check=True),
]


def _result(**kwargs):
    base = {
        "status": "deployed",
        "backend": "compose",
        "name": "assistant",
        "environment": "dev",
        "release": C,
        "previous": B,
        "refs": {"api": "assistant/app:1", "redis_exporter": "oliver006/redis_exporter:v1"},
        "images": {"api": "sha256:aaaaaaaaaaaaaaaa"},
        "jobs": {"run": True, "reason": "the files or images they depend on changed", "jobs": ["migrate"]},
        "urls": ["http://127.0.0.1:8080/"],
        "notes": ["redis_exporter has no health check: it counts as healthy once it runs."],
    }
    base.update(kwargs)
    return deploy_result(ROWS, **base)


def test_deploy_result_services():
    result = _result()
    assert result["services"] == [
        {
            "name": "api",
            "image": "assistant/app:1",
            "image_id": "sha256:aaaaaaaaaaaaaaaa",  # the recorded one
            "health": "healthy",
            "healthcheck": True,
            "healthy_after": 9.5,
            "replicas": "1/1",
            "endpoints": "1/1 ok",
        },
        {
            "name": "redis_exporter",
            "image": "oliver006/redis_exporter:v1",
            "image_id": "sha256:1234567890abcdef",  # what its container runs
            "health": "healthy",
            "healthcheck": False,
            "healthy_after": None,
            "replicas": "1/1",
            "endpoints": "-",
        },
    ]
    json.dumps(result)


def test_deploy_result_without_gate_rows_lists_the_rendered_services():
    result = deploy_result([], status="deployed", backend="compose", name="p", environment="dev", refs={"api": "a:1"})
    assert [(s["name"], s["health"]) for s in result["services"]] == [("api", "not checked")]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"status": "done"}, "status: expected one of"), ({"backend": "nomad"}, "backend: expected one of")],
)
def test_deploy_result_refuses(kwargs, message):
    with pytest.raises(ReleaseError, match=message):
        _result(**kwargs)


def test_services_table_columns():
    table = services_table(_result()["services"])
    assert table[0].split() == ["SERVICE", "STATE", "REPLICAS", "TIME", "TO", "HEALTHY", "ENDPOINTS", "IMAGE"]
    assert table[1].split() == ["api", "healthy", "1/1", "9.5s", "1/1", "ok", "assistant/app:1", "(aaaaaaaaaaaa)"]
    assert table[2].split() == [
        "redis_exporter",
        "healthy",
        "1/1",
        "no",
        "check",
        "-",
        "oliver006/redis_exporter:v1",
        "(1234567890ab)",
    ]


def test_summary_of_a_deploy():
    lines = summary_lines(_result())
    assert lines[0] == f"Deployed project assistant (dev) release {C} (was {B})"
    assert lines[1] == "One-shot jobs (migrate) ran: the files or images they depend on changed."
    assert lines[2].startswith("SERVICE")
    assert "redis_exporter has no health check: it counts as healthy once it runs." in lines
    assert lines[-1] == "URL: http://127.0.0.1:8080/"
    assert not any("\\n" in line or "\n" in line for line in lines)


@pytest.mark.parametrize("check_mode, verb", [(False, "were"), (True, "would be")])
def test_summary_says_how_the_services_were_updated(check_mode, verb):
    rollout = ["api: cutover (image changed), 9.1 s", "postgres: in place (not cut over), restarted by Compose"]
    lines = summary_lines(_result(rollout=rollout, check_mode=check_mode))
    at = lines.index(f"How the services {verb} updated:")
    assert lines[at + 1 : at + 3] == [f"  - {line}" for line in rollout]
    assert lines[at + 3].startswith("SERVICE")


def test_summary_without_a_rollout_has_no_such_section():
    assert not any(line.startswith("How the services") for line in summary_lines(_result()))


def test_summary_of_an_unchanged_swarm_stack():
    jobs = {"run": False, "reason": "they ran for this release's files and images", "jobs": ["migrate"]}
    lines = summary_lines(_result(status="unchanged", backend="swarm", previous=C, jobs=jobs))
    # The swarm scenario looks for this sentence.
    assert lines[0] == f"Deployed stack assistant (dev) release {C} (nothing changed: it was already current)"
    assert lines[1] == "One-shot jobs (migrate) skipped: they ran for this release's files and images."


@pytest.mark.parametrize(
    "status, expected",
    [
        ("unchanged", f"Check mode: project assistant (dev) is at release {C}; a deploy would change nothing."),
        ("deployed", f"Check mode: a deploy of project assistant (dev) would record release {C} (current: {B})."),
    ],
)
def test_summary_in_check_mode(status, expected):
    lines = summary_lines(_result(status=status, check_mode=True))
    assert lines[0] == expected
    if status == "deployed":
        assert lines[1].startswith("One-shot jobs (migrate) would run")


FAILURE = {
    "task": "Run the one-shot jobs",
    "message": "The one-shot job migrate exited with code 1.\nIts last output: boom",
}


@pytest.mark.parametrize(
    "kwargs, outcome",
    [
        (
            {"status": "rolled_back", "release": B, "touched": []},
            f"No service had been changed yet, so nothing was restarted: the files and the release pointer were "
            f"rolled back to release {B}, which keeps serving:",
        ),
        (
            {"status": "rolled_back", "release": B, "touched": ["worker", "api"]},
            f"The services the deploy had changed (api, worker) were rolled back to release {B}, healthy again:",
        ),
        (
            {"status": "rolled_back", "release": B, "touched": ["api"], "backend": "swarm"},
            f"The whole stack was rolled back to release {B}; every service runs it and is healthy:",
        ),
        (
            {"status": "failed", "release": ""},
            "No earlier release is recorded, so nothing was rolled back; fix the cause and deploy again.",
        ),
        ({"status": "failed", "release": B}, "Automatic rollback is off (deploy_rollback_on_failure=false)"),
        (
            {
                "status": "failed",
                "release": B,
                "failure": dict(FAILURE, rollback_task="Wait until every service is healthy", rollback_message="x"),
            },
            f'The rollback to release {B} failed too, at "Wait until every service is healthy": x',
        ),
    ],
)
def test_failure_summary_is_a_readable_table(kwargs, outcome):
    kwargs.setdefault("failure", FAILURE)
    lines = summary_lines(_result(**kwargs))
    backend = kwargs.get("backend", "compose")
    what = "stack" if backend == "swarm" else "project"
    assert lines[0] == f'Deploy of {what} assistant (dev) failed at "Run the one-shot jobs":'
    assert lines[1:3] == ["  The one-shot job migrate exited with code 1.", "  Its last output: boom"]
    assert lines[3].startswith(outcome)
    assert lines[4].startswith("SERVICE")
    assert not any("URL:" in line for line in lines)
    assert not any("\\n" in line or "\n" in line for line in lines)


def test_failure_summary_names_services_that_did_not_converge():
    lines = summary_lines(
        _result(
            status="rolled_back",
            backend="swarm",
            release=B,
            touched=["api"],
            failure={"task": "Wait", "message": "not converged"},
            not_converged=["api: runs r/app:3 instead of r/app:2 (Swarm update status: rollback_completed)"],
        )
    )
    assert lines[1:3] == [
        "Services that did not converge to the new release:",
        "  - api: runs r/app:3 instead of r/app:2 (Swarm update status: rollback_completed)",
    ]


@pytest.mark.parametrize(
    "status, previous, expected",
    [
        ("rolled_back", C, f"Rolled back: project assistant (dev) runs release {B} (was {C})"),
        ("unchanged", B, f"Rollback: project assistant (dev) runs release {B} (it already did)"),
    ],
)
def test_summary_of_the_rollback_entry_point(status, previous, expected):
    lines = summary_lines(_result(status=status, action="rollback", release=B, previous=previous))
    assert lines[0] == expected
    assert not any(line.startswith("One-shot jobs") for line in lines)


def test_deploy_result_refuses_an_unknown_action():
    with pytest.raises(ReleaseError, match="action: expected deploy or rollback"):
        _result(action="restart")


def test_failure_message_as_a_list_of_texts():
    failure = {"task": "Check every one-shot job succeeded", "message": ["The job migrate exited 1.\nboom", "", None]}
    lines = summary_lines(_result(status="failed", release="", failure=failure))
    assert lines[1:3] == ["  The job migrate exited 1.", "  boom"]


HEALTH_ROWS = [
    {"service": "api", "containers": [{"id": "a" * 12, "state": "running"}, {"id": "f" * 12, "state": "exited"}]},
    {"service": "postgres", "containers": [{"id": "b" * 64, "state": "running"}]},
]
HOST_ROWS = [
    {"service": "api", "id": "a" * 64, "state": "running"},
    {"service": "postgres", "id": "b" * 64, "state": "running"},
]


def test_serving_record_keeps_the_running_containers_short_ids():
    assert serving_record(A, HEALTH_ROWS) == {
        "release": A,
        "containers": [{"service": "api", "id": "a" * 12}, {"service": "postgres", "id": "b" * 12}],
    }
    assert serving_record(A, []) == {"release": A, "containers": []}


@pytest.mark.parametrize(
    ("current", "rows", "want"),
    [
        (A, HOST_ROWS, True),
        (B, HOST_ROWS, False),  # another release is current (a rollback, a deploy killed after its record)
        ("", HOST_ROWS, False),
        (A, HOST_ROWS[:1], False),  # a container removed
        (A, [*HOST_ROWS, {"service": "api", "id": "c" * 64, "state": "running"}], False),  # one added
        (A, [HOST_ROWS[0], {"service": "postgres", "id": "d" * 64, "state": "running"}], False),  # one recreated
        (A, [HOST_ROWS[0], {"service": "postgres", "id": "b" * 64, "state": "exited"}], False),  # one stopped
        (A, [], False),
    ],
)
def test_serving_current_only_when_the_same_containers_all_run(current, rows, want):
    assert serving_current(serving_record(A, HEALTH_ROWS), current, rows) is want


@pytest.mark.parametrize("serving", [{}, None, {"release": A}, {"release": A, "containers": "x"}, []])
def test_serving_current_without_a_usable_record(serving):
    assert serving_current(serving, A, HOST_ROWS) is False


def test_read_releases_reads_serving(tmp_path):
    root = tmp_path / "releases"
    _write_release(root, A, {"id": A})
    (root / "current").write_text(A + "\n")
    assert read_releases(str(root))["serving"] == {}
    (root / "serving.json").write_text(json.dumps(serving_record(A, HEALTH_ROWS)) + "\n")
    assert read_releases(str(root))["serving"]["release"] == A
    for junk in ("{not json", "[]", '{"release": "x"}'):
        (root / "serving.json").write_text(junk)
        assert read_releases(str(root))["serving"] == {}

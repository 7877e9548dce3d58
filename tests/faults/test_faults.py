"""Faults injected on purpose into the deployed stack: each is survived and no note is lost.

Recovery seconds are measured and reported, never asserted; each recovery must only
happen within NOT_HUNG seconds (the difference between "recovered" and "hung").
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from faultsuite import (
    API,
    NOT_HUNG,
    api_ready,
    containers,
    docker,
    flat,
    http,
    notes_rows,
    popen_playbook,
    service_container,
    stack_healthy,
    wait_for,
)


@pytest.fixture(scope="session")
def ledger(stack):
    """Notes written before any fault; every fault test checks them all afterwards."""
    stack.write_notes(10, "before the faults")
    return notes_rows()


def check_rows(report, name, before):
    after = notes_rows()
    report.rows(name, before, after)
    missing = sorted(before.ids - after.ids)
    changed = sorted(i for i in before.ids & after.ids if before.rows[i] != after.rows[i])
    assert not missing and not changed, f"after {name}: notes lost {missing}, changed {changed}"


def name_of(service: str) -> str:
    return service_container(service)["Name"].lstrip("/")


@pytest.mark.parametrize("service", ["api", "worker"])
def test_sigkill_service_comes_back_by_its_restart_policy(stack, ledger, report, service):
    before = service_container(service)
    assert before["HostConfig"]["RestartPolicy"]["Name"] in ("always", "unless-stopped", "on-failure")
    # SIGKILL from outside, as the kernel's OOM killer or a crash would: `docker kill` would count
    # as a manual stop, which restart policies deliberately ignore.
    os.kill(before["State"]["Pid"], signal.SIGKILL)

    def restarted_and_healthy() -> bool:
        return service_container(service)["RestartCount"] > before["RestartCount"] and stack_healthy()

    seconds = wait_for(restarted_and_healthy, NOT_HUNG, 1)
    after = service_container(service)
    report.fault(
        f"SIGKILL {service}",
        "survived" if seconds is not None else "NOT recovered",
        seconds,
        f"restart policy {after['HostConfig']['RestartPolicy']['Name']}, restarts "
        f"{before['RestartCount']}->{after['RestartCount']}",
    )
    assert seconds is not None, f"{service} did not come back healthy within {NOT_HUNG} s: {after['State']}"
    assert after["Id"] == before["Id"], "the container was replaced, not restarted by its policy"
    check_rows(report, f"SIGKILL {service}", ledger)


def test_postgres_restart_ready_goes_false_then_true(stack, ledger, report):
    api_before = service_container("api")
    assert api_ready()
    start = time.monotonic()
    stopped = docker("stop", name_of("postgres"), timeout=90)
    assert stopped.returncode == 0, stopped.stderr
    went_false = wait_for(lambda: not api_ready(), 60, 0.5)
    status, body = http("GET", f"{API}/ready")
    assert went_false is not None, "the API still said ready with PostgreSQL stopped"
    assert status == 503 and body["checks"]["postgres"] != "ok", body
    started = docker("start", name_of("postgres"))
    assert started.returncode == 0, started.stderr
    back = wait_for(api_ready, NOT_HUNG, 0.5)
    seconds = time.monotonic() - start
    api_after = service_container("api")
    api_kept = (api_after["State"]["StartedAt"], api_after["RestartCount"]) == (
        api_before["State"]["StartedAt"],
        api_before["RestartCount"],
    )
    report.fault(
        "restart PostgreSQL",
        "survived" if back is not None and api_kept else "NOT recovered",
        seconds if back is not None else None,
        f"/ready false after {went_false:.1f} s (503, postgres: {body['checks']['postgres'][:40]}), "
        + ("true again" if back is not None else "never true again")
        + (" without an API restart" if api_kept else " after an API restart"),
    )
    assert back is not None, f"/ready did not come back within {NOT_HUNG} s of PostgreSQL's start"
    assert api_kept, "the API was restarted; it should reconnect on its own"
    # The API writes again, on new connections.
    stack.write_notes(1, "after PostgreSQL restart")
    check_rows(report, "restart PostgreSQL", ledger)


def test_redis_restart_tasks_queued_and_new_are_processed(stack, ledger, report):
    def enqueue(text: str, delay: float = 0.0) -> str | None:
        status, body = http("POST", f"{API}/api/v1/tasks", {"text": text, "delay": delay})
        return body["id"] if status == 202 else None

    # More slow tasks than the worker runs at once, so some are still queued in Redis when it stops.
    queued = [enqueue(f"queued task number {i}", 2.0) for i in range(6)]
    assert all(queued), "could not enqueue tasks before the fault"
    at_fault = {t: http("GET", f"{API}/api/v1/tasks/{t}")[1].get("state", "?") for t in queued}
    start = time.monotonic()
    stopped = docker("stop", name_of("redis"), timeout=60)
    assert stopped.returncode == 0, stopped.stderr
    down = wait_for(lambda: not api_ready(), 60, 0.5)
    assert down is not None, "the API still said ready with Redis stopped"
    started = docker("start", name_of("redis"))
    assert started.returncode == 0, started.stderr
    new: list[str] = []

    def enqueue_new() -> bool:
        task = enqueue(f"new task number {len(new)}")
        if task:
            new.append(task)
        return len(new) >= 3

    assert wait_for(enqueue_new, NOT_HUNG, 0.5) is not None, "no new task could be enqueued after Redis returned"
    states: dict[str, str] = {}

    def all_done() -> bool:
        for task in queued + new:
            states[task] = http("GET", f"{API}/api/v1/tasks/{task}")[1].get("state", "?")
        return all(s == "SUCCESS" for s in states.values())

    done = wait_for(all_done, NOT_HUNG, 1)
    seconds = time.monotonic() - start
    report.fault(
        "restart Redis",
        "survived" if done is not None else "NOT recovered",
        seconds if done is not None else None,
        f"{len(queued)} queued ({sum(1 for s in at_fault.values() if s == 'STARTED')} running at the fault) + "
        f"{len(new)} new tasks: {sum(1 for s in states.values() if s == 'SUCCESS')} SUCCESS",
    )
    assert done is not None, (
        f"tasks not processed within {NOT_HUNG} s after Redis returned: {states}; states when Redis stopped: {at_fault}"
    )
    assert wait_for(stack_healthy, NOT_HUNG, 1) is not None
    check_rows(report, "restart Redis", ledger)


# PostgreSQL's /tmp inside its container: a 64 MB tmpfs (the compose role's size).
PG_TMPFS = "/tmp"  # noqa: S108
FILL_DIR = f"{PG_TMPFS}/fault_fill"


def psql(sql: str) -> subprocess.CompletedProcess:
    return docker(
        "exec",
        name_of("postgres"),
        "sh",
        "-c",
        f'psql -X -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "{sql}"',
        timeout=300,
    )


def test_fill_postgres_tmpfs_errors_clearly_and_corrupts_nothing(stack, ledger, report):
    """A tablespace on PostgreSQL's /tmp tmpfs (64 MB) is filled until the disk is full.

    Rows of 1920 bytes stay under the TOAST threshold, so they are stored as written, not compressed.
    """
    pg = name_of("postgres")
    assert docker("exec", pg, "mkdir", "-p", FILL_DIR).returncode == 0
    try:
        assert psql(f"CREATE TABLESPACE fault_fill LOCATION '{FILL_DIR}'").returncode == 0
        assert psql("CREATE TABLE fault_fill (pad text) TABLESPACE fault_fill").returncode == 0
        start = time.monotonic()
        filled = psql("INSERT INTO fault_fill SELECT repeat(md5(g::text), 60) FROM generate_series(1, 1000000) g")
        df = docker("exec", pg, "df", "--output=pcent", PG_TMPFS).stdout.split()[-1]
        error = flat(filled.stderr).strip()
        assert filled.returncode != 0, "1 GB went into a 64 MB tmpfs without an error"
        assert "No space left on device" in error, error
        # Full or not, the database and the API go on serving; the notes' tablespace is untouched.
        ready = wait_for(lambda: api_ready() and stack_healthy(), NOT_HUNG, 1)
        stack.write_notes(1, "while the tmpfs is full")
    finally:
        psql("DROP TABLE IF EXISTS fault_fill")
        psql("DROP TABLESPACE IF EXISTS fault_fill")
        docker("exec", pg, "rm", "-rf", FILL_DIR)
    seconds = time.monotonic() - start
    report.fault(
        "fill PostgreSQL's /tmp tmpfs",
        "survived" if ready is not None else "NOT recovered",
        seconds,
        f"tmpfs {df} used; error: {error[error.find('ERROR') :][:60]}",
    )
    assert ready is not None
    freed = docker("exec", pg, "df", "--output=pcent", PG_TMPFS).stdout.split()[-1]
    assert freed != "100%", "dropping the tablespace did not free the tmpfs"
    check_rows(report, "fill PostgreSQL's tmpfs", ledger)


def test_interrupted_deploy_is_recovered_by_the_next(stack, ledger, report):
    holder = stack.state_dir / "lock" / "holder.json"
    proc = popen_playbook(*stack.deploy_argv())
    try:
        took = wait_for(holder.exists, NOT_HUNG, 0.2)
        assert took is not None, "the deploy never took its lock"
        time.sleep(2)  # well inside the deploy: after the lock, during the pull or the migration
        assert proc.poll() is None, "the deploy finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stdout:
            proc.stdout.close()
    assert holder.exists(), "the killed deploy left no lock (nothing to recover)"
    start = time.monotonic()
    result = stack.deploy(timeout=NOT_HUNG * 3)
    seconds = time.monotonic() - start
    stack.outputs["deploy after a killed one (dev, default)"] = result.stdout + result.stderr
    output = flat(result.stdout)
    recovered = output[output.find("Recovered a stale deploy lock") :][:160] if "Recovered a stale" in output else ""
    released = not holder.exists()
    report.fault(
        "deploy killed (SIGKILL) after taking its lock",
        "survived" if result.returncode == 0 and recovered and released else "NOT recovered",
        seconds,
        recovered.split(";")[0].split("(", 1)[-1][:70] if recovered else "no recovery message",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert recovered, "the next deploy did not say it recovered the stale lock"
    assert released, "the lock was not released"
    assert stack_healthy()
    check_rows(report, "interrupted deploy", ledger)


def running_of(service: str) -> list[dict]:
    return [
        c
        for c in containers(all_=False)
        if c["Config"]["Labels"].get("com.docker.compose.service") == service
        and c["Config"]["Labels"].get("com.docker.compose.oneoff", "False") != "True"
    ]


def test_deploy_killed_during_a_cut_over_leaves_a_healthy_release_serving(stack, ledger, report):
    # A settings change: agent and worker are cut over without downtime (api and sms publish fixed host
    # ports in this stack, so Compose recreates them in place after the cut-overs).
    change = ("-e", "compose_log_level=INFO")
    old_agent = service_container("agent")["Id"]
    proc = popen_playbook(*stack.deploy_argv(), *change)
    try:
        took = wait_for(lambda: len(running_of("agent")) >= 2, NOT_HUNG, 0.2)
        assert took is not None, "the deploy never started a second agent container (no cut-over)"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stdout:
            proc.stdout.close()
    # Right after the kill the old release still serves, and the stack settles healthy by itself.
    serving_at_kill = api_ready()
    settled = wait_for(stack_healthy, NOT_HUNG, 1)
    agents = running_of("agent")
    start = time.monotonic()
    result = stack.deploy(*change, timeout=NOT_HUNG * 3)
    seconds = time.monotonic() - start
    stack.outputs["deploy after one killed during a cut-over (dev, INFO)"] = result.stdout + result.stderr
    after = {s: running_of(s) for s in ("api", "agent", "sms", "worker", "nginx", "postgres", "redis")}
    one_each = all(len(cs) == 1 for cs in after.values())
    report.fault(
        "deploy killed (SIGKILL) during a cut-over",
        "survived"
        if serving_at_kill and settled is not None and result.returncode == 0 and one_each
        else "NOT recovered",
        seconds,
        f"{len(agents)} agent containers served after the kill; the next deploy left one per service",
    )
    assert serving_at_kill, "the API did not answer right after the deploy was killed"
    assert settled is not None, f"the stack was not healthy within {NOT_HUNG} s of the kill"
    assert result.returncode == 0, result.stdout[-4000:]
    assert one_each, {s: len(cs) for s, cs in after.items()}
    assert after["agent"][0]["Id"] != old_agent, "the agent still runs the container of the old release"
    assert stack_healthy()
    check_rows(report, "deploy killed during a cut-over", ledger)


@pytest.mark.engine_restart
def test_docker_engine_restart_live_restore(stack, ledger, report):
    if not (os.environ.get("ASSISTANT_FAULTS_ENGINE") == "1" or os.environ.get("CI") == "true"):
        report.fault(
            "restart the Docker engine",
            "not run",
            None,
            "shared engine: set ASSISTANT_FAULTS_ENGINE=1 (on by default when CI=true)",
        )
        pytest.skip("restarts the shared Docker engine; set ASSISTANT_FAULTS_ENGINE=1 (CI=true runs it)")
    supervisor = Path("/usr/local/sbin/assistant-dockerd")
    if not supervisor.exists():
        pytest.skip(f"no {supervisor} (the docker_engine role's supervisor on hosts without systemd)")
    live = docker("info", "--format", "{{.LiveRestoreEnabled}}").stdout.strip()
    assert live == "true", f"live-restore is {live}; the docker_engine role should enable it"
    before = {c: service_container(c)["Id"] for c in ("api", "postgres", "redis", "worker")}
    served = failed = 0
    start = time.monotonic()
    # Output to a file, not a pipe nobody reads while the loop below probes (a full pipe would block it).
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen([str(supervisor), "restart"], stdout=log, stderr=subprocess.STDOUT, text=True)  # noqa: S603
        while proc.poll() is None and time.monotonic() - start < NOT_HUNG:
            if api_ready():
                served += 1
            else:
                failed += 1
            time.sleep(0.2)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.seek(0)
        out = log.read()
    assert proc.returncode == 0, f"assistant-dockerd restart failed (rc {proc.returncode}): {out}"
    healthy = wait_for(stack_healthy, NOT_HUNG, 1)
    seconds = time.monotonic() - start
    after = {c: service_container(c)["Id"] for c in before}
    report.fault(
        "restart the Docker engine (live-restore)",
        "survived" if healthy is not None and after == before else "NOT recovered",
        seconds,
        f"API answered ready {served} of {served + failed} probes during the restart; containers "
        + ("kept" if after == before else "recreated"),
    )
    assert healthy is not None, f"the stack was not healthy within {NOT_HUNG} s of the engine's restart"
    assert after == before, "containers were recreated by the engine restart"
    check_rows(report, "Docker engine restart", ledger)

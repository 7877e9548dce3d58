# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of the stack health gate: per-service verdicts, endpoint checks and the wait loop.

The module supplies ``observe`` (a snapshot of the stack's containers or tasks),
``fetch`` (an HTTP GET), ``clock`` and ``sleep``; tests inject fakes for all four
so the loop, its deadlines and its messages are checked without Docker or time.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

# Service states. READY states end the wait for that service.
HEALTHY = "healthy"
COMPLETED = "completed"
STARTING = "starting"
MISSING = "missing"
UNHEALTHY = "unhealthy"
EXITED = "exited"
ENDPOINT_FAILING = "endpoint-failing"
READY_STATES = (HEALTHY, COMPLETED)

COMPOSE_PROJECT_LABEL = "com.docker.compose.project"
COMPOSE_SERVICE_LABEL = "com.docker.compose.service"
COMPOSE_ONEOFF_LABEL = "com.docker.compose.oneoff"
STACK_NAMESPACE_LABEL = "com.docker.stack.namespace"
# States Docker has already decided on (retries spent, process gone): waiting longer rarely helps.
TERMINAL_STATES = (UNHEALTHY, EXITED)
# Docker keeps the last five health check results of a container (container/health.go, maxLogEntries).
HEALTH_LOG_KEPT = 5
NO_CHECK = "none"

_DOCKER_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)")


class HealthOptionError(ValueError):
    """An option of the health gate is malformed."""


def docker_time(value):
    """Seconds since the epoch of a Docker API timestamp (RFC 3339, nanoseconds, any offset), or None.

    None for an empty value and for Go's zero time (``0001-01-01T00:00:00Z``: never happened).
    """
    match = _DOCKER_TIME.fullmatch(value or "")
    if not match or match.group(1).startswith("0001-"):
        return None
    fraction = (match.group(2) or "0")[:6].ljust(6, "0")
    offset = "+00:00" if match.group(3) == "Z" else match.group(3)
    return datetime.fromisoformat(f"{match.group(1)}.{fraction}{offset}").astimezone(UTC).timestamp()


def _has_healthcheck(inspect):
    """Whether the container runs a health check (its own or its image's, not disabled with NONE)."""
    if (inspect.get("State") or {}).get("Health"):
        return True
    test = ((inspect.get("Config") or {}).get("Healthcheck") or {}).get("Test") or []
    return bool(test) and test[0] != "NONE"


def healthy_after(started_at, log):
    """Seconds from the container's start to its first passing health check, or None when the log cannot tell.

    ``log`` is Docker's health log (oldest first). Only the last HEALTH_LOG_KEPT results are kept, so the
    first success is the first ever only when the log is not full yet or a failure comes before it in the
    log (the checks of the start period fail until the service answers). Results from before the last
    (re)start are left out.
    """
    if started_at is None:
        return None
    entries = [e for e in log or [] if (docker_time(e.get("Start")) or 0) >= started_at]
    for index, entry in enumerate(entries):
        if entry.get("ExitCode") == 0:
            complete = len(log) < HEALTH_LOG_KEPT or index > 0
            end = docker_time(entry.get("End")) or docker_time(entry.get("Start"))
            return round(max(0.0, end - started_at), 2) if complete and end is not None else None
    return None


def container_observation(inspect):
    """Reduce a container inspect result to what the verdict and the timing need."""
    state = inspect.get("State") or {}
    health = state.get("Health") or {}
    log = health.get("Log") or []
    last = log[-1] if log else {}
    started_at = docker_time(state.get("StartedAt"))
    status = state.get("Status") or "unknown"
    if health:
        after = healthy_after(started_at, log)
    elif status == "exited":  # a one-shot job: how long it ran
        finished_at = docker_time(state.get("FinishedAt"))
        after = round(finished_at - started_at, 2) if started_at is not None and finished_at is not None else None
    else:
        after = None
    return {
        "id": (inspect.get("Id") or "")[:12],
        "name": (inspect.get("Name") or "").lstrip("/"),
        # The image ID the container runs (a deploy records it as the release's image).
        "image": inspect.get("Image") or "",
        "state": status,
        "health": health.get("Status") or NO_CHECK,
        "has_healthcheck": _has_healthcheck(inspect),
        "exit_code": state.get("ExitCode"),
        "error": state.get("Error") or "",
        "restarting": bool(state.get("Restarting")),
        "health_output": (last.get("Output") or "").strip(),
        "health_exit_code": last.get("ExitCode"),
        "started_at": started_at,
        "healthy_after": after,
    }


def task_observation(task, container=None):
    """Reduce a Swarm task (and, when it runs on this node, its container) to an observation.

    Without a local container the task state stands for health: Swarm keeps a task
    with a health check in ``starting`` until the check passes, so ``running`` means healthy.
    """
    status = task.get("Status") or {}
    container_status = status.get("ContainerStatus") or {}
    if container is not None:
        obs = container_observation(container)
    else:
        state = status.get("State") or "unknown"
        created, changed = docker_time(task.get("CreatedAt")), docker_time(status.get("Timestamp"))
        # Swarm marks a task with a health check running once it passed: creation to running is the
        # nearest measure of its time to healthy that the manager has (it includes pulling the image).
        after = round(changed - created, 2) if state == "running" and None not in (created, changed) else None
        obs = {
            "id": (container_status.get("ContainerID") or task.get("ID") or "")[:12],
            "name": "task {}".format((task.get("ID") or "")[:12]),
            "image": "",
            "state": state,
            "health": "healthy" if state == "running" else ("starting" if state == "starting" else NO_CHECK),
            # Unknown from the manager: the task state already says whether the check passed.
            "has_healthcheck": True,
            "exit_code": container_status.get("ExitCode"),
            "error": status.get("Err") or "",
            "restarting": False,
            "health_output": "",
            "health_exit_code": None,
            "started_at": created,
            "healthy_after": after,
        }
    obs["task_state"] = status.get("State")
    obs["task_message"] = status.get("Err") or status.get("Message") or ""
    return obs


def compose_service_of(labels, project):
    """The Compose service a container belongs to, or None (another project, a one-off `compose run`)."""
    labels = labels or {}
    if labels.get(COMPOSE_PROJECT_LABEL) != project or labels.get(COMPOSE_ONEOFF_LABEL) == "True":
        return None
    return labels.get(COMPOSE_SERVICE_LABEL) or None


def swarm_service_entry(stack, service, tasks, inspect_container, history=3):
    """Turn a Swarm service (``GET /services?status=true``) and its tasks into ``(short name, snapshot entry)``.

    ``inspect_container(id)`` returns the container's inspect data, or None when it is not on this node.
    Tasks meant to run (or, for jobs, to complete) are judged; the latest failed ones are kept as history.
    """
    spec = service.get("Spec") or {}
    name = spec.get("Name") or ""
    prefix = stack + "_"
    short = name[len(prefix) :] if name.startswith(prefix) else name
    mode = spec.get("Mode") or {}
    desired = (mode.get("Replicated") or {}).get("Replicas")
    if desired is None and "Global" in mode:
        desired = (service.get("ServiceStatus") or {}).get("DesiredTasks")
    current = [t for t in tasks if t.get("DesiredState") in ("running", "complete")]
    failed = sorted(
        (t for t in tasks if (t.get("Status") or {}).get("State") in ("failed", "rejected")),
        key=lambda t: (t.get("Status") or {}).get("Timestamp") or "",
        reverse=True,
    )[:history]

    def observe(task):
        container_id = ((task.get("Status") or {}).get("ContainerStatus") or {}).get("ContainerID")
        return task_observation(task, inspect_container(container_id) if container_id else None)

    return short, {
        "desired": desired,
        "containers": [observe(t) for t in current],
        "history": [observe(t) for t in failed],
    }


def service_verdict(containers, desired, one_shot=False):
    """Decide a service's state from its containers (observations).

    Returns ``(state, running, healthy)``. A container with a health check counts
    as healthy only when Docker says so; one without counts once it runs.
    A one-shot service is ``completed`` when every container exited with 0.
    """
    running = [c for c in containers if c["state"] == "running"]
    healthy = [c for c in running if c["health"] in ("healthy", "none")]
    if one_shot:
        if not containers:
            return MISSING, 0, 0
        exited = [c for c in containers if c["state"] in ("exited", "dead", "complete")]
        if any(c.get("exit_code") not in (0, None) for c in exited):
            return EXITED, len(running), 0
        if len(exited) == len(containers):
            return COMPLETED, 0, 0
        return STARTING, len(running), 0
    if desired == 0:
        return HEALTHY, len(running), len(healthy)
    if not containers:
        return MISSING, 0, 0
    if any(c["health"] == "unhealthy" for c in running):
        return UNHEALTHY, len(running), len(healthy)
    if len(healthy) >= desired:
        return HEALTHY, len(running), len(healthy)
    crashed = [c for c in containers if c["state"] in ("exited", "dead") and c.get("exit_code") not in (0, None)]
    if crashed and len(running) < desired:
        return EXITED, len(running), len(healthy)
    return STARTING, len(running), len(healthy)


def _json_contains(actual, expected):
    """True when ``expected`` is a subset of ``actual`` (dicts compared key by key, recursively)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _json_contains(actual[key], value) for key, value in expected.items()
        )
    return actual == expected


def check_endpoint(endpoint, fetch, timeout):
    """GET one endpoint through ``fetch(url, timeout, validate_certs)`` -> ``(status, body)``.

    Returns a result dict with ``ok`` and, when not ok, an ``error`` saying what was expected and found.
    """
    result = {
        "url": endpoint["url"],
        "expected_status": list(endpoint["status"]),
        "status": None,
        "ok": False,
        "error": None,
    }
    try:
        status, body = fetch(endpoint["url"], timeout, endpoint.get("validate_certs", True))
    except Exception as exc:  # any transport error is a "not yet" answer, reported as found
        result["error"] = f"no answer: {exc}"
        return result
    result["status"] = status
    if status not in endpoint["status"]:
        result["error"] = "expected HTTP status {}, found {}".format(
            "/".join(str(s) for s in endpoint["status"]), status
        )
        return result
    expected_json = endpoint.get("json")
    if expected_json is not None:
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        try:
            document = json.loads(body)
        except ValueError:
            result["error"] = "expected a JSON body containing {}, found non-JSON {!r}".format(
                json.dumps(expected_json, sort_keys=True), (body or "")[:200]
            )
            return result
        if not _json_contains(document, expected_json):
            wanted = json.dumps(expected_json, sort_keys=True)
            found = json.dumps(document, sort_keys=True)[:300]
            result["error"] = f"expected a JSON body containing {wanted}, found {found}"
            return result
    result["ok"] = True
    return result


def normalize_endpoints(endpoints):
    """Validate endpoint options and group them by service."""
    grouped = {}
    for index, endpoint in enumerate(endpoints or []):
        url = endpoint.get("url") or ""
        if not url.startswith(("http://", "https://")):
            raise HealthOptionError(f"endpoints[{index}].url: expected an http:// or https:// URL, found {url!r}.")
        if not endpoint.get("service"):
            raise HealthOptionError(
                f"endpoints[{index}].service: expected the name of the service this endpoint belongs to."
            )
        status = endpoint.get("status") or [200]
        if not all(isinstance(s, int) and 100 <= s <= 599 for s in status):
            raise HealthOptionError(
                f"endpoints[{index}].status: expected HTTP status codes between 100 and 599, found {status!r}."
            )
        item = dict(endpoint)
        item["status"] = list(status)
        item.setdefault("timeout", 5)
        grouped.setdefault(endpoint["service"], []).append(item)
    return grouped


def _deadline(start, global_timeout, service_timeout):
    if service_timeout is None or service_timeout > global_timeout:
        return start + global_timeout
    return start + service_timeout


def wait_for_stack(
    services,
    observe,
    fetch,
    clock,
    sleep,
    global_timeout,
    interval=2.0,
    service_timeouts=None,
    one_shot=None,
    endpoints=None,
    fail_fast=True,
):
    """Wait until every service is ready, one fails, or a deadline passes.

    ``services``: ``{name: desired count or None}``; None means "whatever ``observe`` reports".
    ``observe()``: ``{name: {'desired': int or None, 'containers': [observation, ...], 'history': [...]}}``;
    ``history`` holds failed earlier Swarm tasks, reported but not judged (Swarm replaces them).
    Never sleeps or fetches past the earliest pending deadline.
    Returns ``(ok, rows, failed)`` where ``failed`` names the services that made it fail.
    """
    if global_timeout <= 0:
        raise HealthOptionError(f"timeout: expected a positive number of seconds, found {global_timeout!r}.")
    if interval <= 0:
        raise HealthOptionError(f"interval: expected a positive number of seconds, found {interval!r}.")
    service_timeouts = service_timeouts or {}
    one_shot = set(one_shot or [])
    endpoints = endpoints or {}
    for name, value in service_timeouts.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise HealthOptionError(f"service_timeouts.{name}: expected a positive number of seconds, found {value!r}.")

    start = clock()
    rows = {}
    deadlines = {}
    for name in services:
        rows[name] = _new_row(name, services[name], name in one_shot, endpoints.get(name, []))
        deadlines[name] = _deadline(start, global_timeout, service_timeouts.get(name))

    while True:
        snapshot = observe()
        now = clock()
        for name, row in rows.items():
            seen = snapshot.get(name) or {}
            desired = services[name] if services[name] is not None else seen.get("desired")
            if desired is None:
                desired = max(1, len(seen.get("containers") or []))
            state, running, healthy = service_verdict(seen.get("containers") or [], desired, row["one_shot"])
            row.update(
                desired=desired,
                running=running,
                healthy=healthy,
                containers=seen.get("containers") or [],
                history=seen.get("history") or [],
            )
            if state in READY_STATES and not _endpoints_pass(row, fetch, deadlines[name] - now, now, clock):
                state = ENDPOINT_FAILING
            row["state"] = state
            if state in READY_STATES:
                if row["waited"] is None:
                    row["waited"] = round(clock() - start, 2)
            else:
                row["waited"] = None
        now = clock()
        pending = [name for name, row in rows.items() if row["state"] not in READY_STATES]
        if not pending:
            return True, _finish(rows, now - start), []
        failed = [name for name in pending if fail_fast and rows[name]["state"] in TERMINAL_STATES]
        timed_out = [name for name in pending if now >= deadlines[name]]
        for name in timed_out:
            rows[name]["timed_out"] = True
        if failed or timed_out:
            return False, _finish(rows, now - start), sorted(set(failed) | set(timed_out))
        next_deadline = min(deadlines[name] for name in pending)
        sleep(max(0.0, min(interval, next_deadline - now)))


def _new_row(name, desired, one_shot, endpoints):
    return {
        "service": name,
        "desired": desired,
        "running": 0,
        "healthy": 0,
        "state": MISSING,
        "one_shot": one_shot,
        "waited": None,
        "timed_out": False,
        "endpoints": [
            {"url": e["url"], "expected_status": e["status"], "status": None, "ok": False, "error": "not checked yet"}
            for e in endpoints
        ],
        "_endpoint_specs": endpoints,
        "containers": [],
        "history": [],
    }


def _endpoints_pass(row, fetch, remaining, now, clock):
    """Check the endpoints of a service whose containers are ready; passing ones stay passed."""
    for index, spec in enumerate(row["_endpoint_specs"]):
        if row["endpoints"][index]["ok"]:
            continue
        remaining_now = remaining - (clock() - now)
        if remaining_now <= 0:
            return False
        row["endpoints"][index] = check_endpoint(spec, fetch, min(spec["timeout"], remaining_now))
    return all(e["ok"] for e in row["endpoints"])


def _finish(rows, elapsed):
    result = []
    for row in rows.values():
        row = dict(row)
        row.pop("_endpoint_specs")
        row["health"] = _health_summary(row)
        row["no_healthcheck"] = _without_healthcheck(row)
        row["time_to_healthy"] = time_to_healthy(row)
        row["elapsed"] = round(elapsed, 2)
        result.append(row)
    return sorted(result, key=lambda r: r["service"])


def _without_healthcheck(row):
    """A long-running service whose running containers have no health check: running counts as healthy."""
    running = [c for c in row["containers"] if c["state"] == "running"]
    return not row["one_shot"] and bool(running) and not any(c.get("has_healthcheck") for c in running)


def time_to_healthy(row):
    """Seconds from container start to first passing health check, of the slowest container; None if unknown.

    A one-shot service: how long its run took. A service without a health check: None (nothing to time).
    """
    if row["state"] not in READY_STATES:
        return None
    if row["one_shot"]:
        values = [c.get("healthy_after") for c in row["containers"] if c["state"] in ("exited", "complete")]
    else:
        running = [c for c in row["containers"] if c["state"] == "running"]
        values = [c.get("healthy_after") for c in running if c.get("has_healthcheck")]
    if not values or None in values:
        return None
    return max(values)


def health_notes(rows):
    """Lines saying which services were accepted without a health check."""
    return [
        f"{row['service']} has no health check: it counts as healthy once it runs."
        for row in rows
        if row.get("no_healthcheck")
    ]


def _health_summary(row):
    states = sorted(set(c["health"] for c in row["containers"] if c["state"] == "running"))
    if row["one_shot"]:
        return "n/a"
    return ",".join(states) if states else "none"


def format_table(rows):
    """The per-service summary table, as lines of text."""
    header = ("SERVICE", "STATE", "DESIRED", "RUNNING", "HEALTHY", "HEALTH", "TIME TO HEALTHY", "ENDPOINTS")
    lines = [header]
    for row in rows:
        endpoints = row["endpoints"]
        passed = sum(1 for e in endpoints if e["ok"])
        ep_text = f"{passed}/{len(endpoints)} ok" if endpoints else "-"
        tth = _duration(row)
        state = row["state"] + (" (timed out)" if row.get("timed_out") else "")
        lines.append(
            (
                row["service"],
                state,
                str(row["desired"]),
                str(row["running"]),
                str(row["healthy"]),
                row["health"],
                tth,
                ep_text,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines]


def _duration(row):
    if row.get("time_to_healthy") is not None:
        return "{:.1f}s".format(row["time_to_healthy"])
    return "no check" if row.get("no_healthcheck") else "-"


def failure_message(rows, failed, logs=None, timeout=None):
    """Say which services failed and why: state, health-check output, exit codes, endpoints, last log lines.

    ``logs``: ``{service: {container name: [lines]}}``.
    """
    logs = logs or {}
    by_name = dict((row["service"], row) for row in rows)
    parts = [
        "Stack not healthy: {}.".format(
            ", ".join(
                "{} is {}{}".format(
                    name, by_name[name]["state"], " after its timeout" if by_name[name]["timed_out"] else ""
                )
                for name in failed
            )
        )
    ]
    for name in failed:
        row = by_name[name]
        waited = " (waited {:.1f}s{})".format(row["elapsed"], f" of {timeout}s" if timeout else "")
        parts.append("")
        wanted = "completed run(s) with exit code 0" if row["one_shot"] else "healthy container(s)"
        parts.append(
            f"Service {name}: {row['state']}{waited}; expected {row['desired']} {wanted}, "
            f"found {row['running']} running and {row['healthy']} healthy."
        )
        if not row["containers"]:
            parts.append("  no container or task of this service was found; is it defined and deployed?")
        for container in row["containers"]:
            line = f"  {container['name'] or container['id']}: state {container['state']}, health {container['health']}"
            if container["state"] != "running":  # a running container's exit code is that of an earlier run
                line += f", exit code {container.get('exit_code')}"
            if container.get("task_message"):
                line += f", task: {container['task_message']}"
            if container.get("error"):
                line += f", error: {container['error']}"
            parts.append(line)
            if container.get("health_output"):
                parts.append(
                    f"    last health check (exit {container.get('health_exit_code')}): "
                    f"{container['health_output'][-500:]}"
                )
            lines = (logs.get(name) or {}).get(container["name"] or container["id"])
            if lines:
                parts.append(f"    last {len(lines)} log lines:")
                parts.extend(f"      | {log_line}" for log_line in lines)
        for earlier in row["history"]:
            task = f", task: {earlier['task_message']}" if earlier.get("task_message") else ""
            parts.append(
                f"  earlier {earlier['name']}: state {earlier['state']}, exit code {earlier.get('exit_code')}{task}"
            )
        for endpoint in row["endpoints"]:
            if not endpoint["ok"]:
                parts.append("  endpoint {}: {}".format(endpoint["url"], endpoint["error"]))
    parts.append("")
    parts.append(
        "Fix the service (see its health check output and logs above), or raise its timeout "
        "with service_timeouts if it only needs longer to start."
    )
    return "\n".join(parts)

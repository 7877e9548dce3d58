# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The deploy role's decisions about releases, shared by its Compose and Swarm backends.

A release is what a deploy put in service: the rendered stack file and its env and config files,
the image each long-running service runs (ID or digest) and the key its one-shot jobs ran with.
It is recorded under ``<deploy_state_dir>/releases/<id>/`` with a ``release.json``, and
``releases/current`` names the one serving. This module decides, without Docker or Ansible:
the record and whether it is new, whether the one-shot jobs must run, which release a rollback
restores, which images a restore must pin, what to forget, the role's public result
``deploy_result`` and the summary printed from it. The filter plugin ``deploy`` and the module
``deploy_release_info`` are thin shells around it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import UTC, datetime

from ansible_collections.assistant.containers.plugins.module_utils import input_checks as ic

RELEASE_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}")
RELEASE_FILE = "release.json"
CURRENT_FILE = "current"
# The containers that served the current release when a deploy last passed its gate (Compose).
SERVING_FILE = "serving.json"
BACKENDS = ("compose", "swarm")
STATUSES = ("deployed", "unchanged", "rolled_back", "failed")


class ReleaseError(ValueError):
    """An input the release logic cannot work with; the message says which and what is accepted."""


# ---- the record --------------------------------------------------------------------------------


def utc(now):
    """A timezone-aware UTC datetime from a datetime (naive means UTC) or an ISO 8601 string."""
    if isinstance(now, str):
        try:
            now = datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ReleaseError(f"now: expected an ISO 8601 time such as 2026-11-27T06:30:00Z, found {now!r}.") from exc
    if not isinstance(now, datetime):
        raise ReleaseError(f"now: expected a time, found {now!r}.")
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _to_json(value):
    # As Ansible's to_json writes it, so that keys computed by earlier releases (in Jinja) still match.
    return json.dumps(value)


def fingerprint(content, images, jobs_key=""):
    """What makes two releases the same: the stack file, each service's image (ID or digest), the jobs key."""
    pairs = [[name, images[name]] for name in sorted(images, key=str.lower)]
    return hashlib.sha256((content + _to_json(pairs) + (jobs_key or "")).encode("utf-8")).hexdigest()


def jobs_key(parts):
    """The key the one-shot jobs ran with: a hash of whatever the backend says they depend on."""
    return hashlib.sha256(_to_json(parts).encode("utf-8")).hexdigest()


def release_record(
    *,
    backend,
    environment,
    name,
    content,
    images,
    now,
    who="unknown",
    revision="unknown",
    jobs_key="",
    refs=None,
    files=None,
):
    """A new release record. ``images``: service -> image ID (Compose) or pinned digest reference (Swarm).

    ``refs``: service -> the image reference the stack file names (a restore pins only what moved).
    ``files``: the files kept in the release directory, relative to it.
    """
    if backend not in BACKENDS:
        raise ReleaseError(f"backend: expected one of {', '.join(BACKENDS)}, found {backend!r}.")
    if not isinstance(images, dict):
        raise ReleaseError(f"images: expected a mapping of service to image, found {images!r}.")
    moment = utc(now)
    print_ = fingerprint(content, images, jobs_key)
    return {
        "id": moment.strftime("%Y%m%dT%H%M%SZ") + "-" + print_[:8],
        "fingerprint": print_,
        "created": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "who": who,
        "backend": backend,
        "environment": environment,
        ("stack" if backend == "swarm" else "project"): name,
        "revision": revision,
        "images": dict(sorted(images.items())),
        "refs": dict(sorted((refs or {}).items())),
        "jobs_key": jobs_key or "",
        "files": list(files or []),
    }


def settle_record(new, current):
    """The current record when the new one has the same fingerprint (nothing changed), else the new one."""
    if current and current.get("fingerprint") == new["fingerprint"] and current.get("id"):
        return current
    return new


def jobs_decision(current, key, jobs, missing=()):
    """Whether the one-shot jobs must run: ``{'run': bool, 'reason': str, 'jobs': [...]}``.

    They ran for the current release with its ``jobs_key``; they run again when the key differs, or when
    a long-running service is missing (``missing``: a removed stack or database volume needs them again).
    """
    jobs = list(jobs or [])
    if not jobs:
        return {"run": False, "reason": "no one-shot job", "jobs": jobs}
    ran = (current or {}).get("jobs_key") or ""
    if not ran:
        reason = "no release is recorded yet" if not current else "the current release records no jobs key"
        return {"run": True, "reason": reason, "jobs": jobs}
    if ran != key:
        return {"run": True, "reason": "the files or images they depend on changed", "jobs": jobs}
    if missing:
        return {"run": True, "reason": "not running: " + ", ".join(sorted(missing)), "jobs": jobs}
    return {"run": False, "reason": "they ran for this release's files and images", "jobs": jobs}


def release_files(record, files, mode="0640"):
    """The file_set entries that store ``record``: its files under ``<id>/``, release.json, then the pointer.

    ``files``: ``[{'path', 'content'}]`` relative to the release directory, kept with the mode the compose
    role gives them (0644: a restore copies them back, and services read their config files as another
    user). The record and the pointer get ``mode``. The pointer comes last, so a release is current only
    once all of it is written.
    """
    release_id = record["id"]
    entries = [{"path": f"{release_id}/{f['path']}", "content": f["content"], "mode": "0644"} for f in files]
    entries.append(
        {"path": f"{release_id}/{RELEASE_FILE}", "content": json.dumps(record, indent=4) + "\n", "mode": mode}
    )
    entries.append({"path": CURRENT_FILE, "content": release_id + "\n", "mode": mode})
    return entries


def release_directories(files, release_id, mode="0750"):
    """The directories ``files`` (relative to the release directory) need, parents first."""
    wanted = {release_id}
    for f in files:
        parent = os.path.dirname(f["path"])
        while parent:
            wanted.add(f"{release_id}/{parent}")
            parent = os.path.dirname(parent)
    return [{"path": path, "mode": mode} for path in sorted(wanted, key=lambda p: (p.count("/"), p))]


def store_plan(record, files, current=""):
    """What storing ``record`` writes, as file_set specs: ``{'directories': [...], 'files': [...]}``.

    Nothing when the record is the current release (a deploy that changed nothing records nothing).
    """
    if record["id"] == current:
        return {"directories": [], "files": []}
    return {"directories": release_directories(files, record["id"]), "files": release_files(record, files)}


def to_forget(ids, keep, protect=()):
    """Release ids beyond the newest ``keep``; ``protect`` (the current and new release) are never forgotten."""
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise ReleaseError(f"keep: expected a whole number of releases of at least 1, found {keep!r}.")
    ordered = sorted(set(ids), reverse=True)
    return sorted(i for i in ordered[keep:] if i not in set(protect))


# ---- reading the history and choosing a release ------------------------------------------------


def previous_release(ids, current):
    """The newest recorded release older than ``current`` ('' when there is none)."""
    older = [i for i in sorted(ids) if current and i < current]
    return older[-1] if older else ""


def choose_release(ids, current, wanted):
    """The release ``wanted`` names: ``previous``, ``current`` or a recorded id; '' when none is recorded."""
    if wanted in ("previous", "", None):
        return previous_release(ids, current)
    if wanted == "current":
        return current if current in ids else ""
    return wanted if wanted in ids else ""


def read_releases(root, wanted="current"):
    """What ``root`` (``<deploy_state_dir>/releases``) holds: ids, current, previous, and the wanted release.

    Missing files read as nothing recorded; a record that is not JSON is reported in ``problems``.
    """
    ids = []
    if os.path.isdir(root):
        ids = sorted(
            name for name in os.listdir(root) if RELEASE_ID.fullmatch(name) and os.path.isdir(os.path.join(root, name))
        )
    current = _read_text(os.path.join(root, CURRENT_FILE)).strip()
    if current and not RELEASE_ID.fullmatch(current):
        current = ""
    problems = []
    current_record = _read_record(root, current, problems)
    target = choose_release(ids, current, wanted)
    target_record = current_record if target == current else _read_record(root, target, problems)
    return {
        "releases": ids,
        "current": current,
        "current_record": current_record,
        "serving": _read_serving(os.path.join(root, SERVING_FILE)),
        "previous": previous_release(ids, current),
        "target": target,
        "target_record": target_record,
        "problems": problems,
    }


def _read_serving(path):
    """serving.json, or {} when it is missing or not what serving_record writes (the fast path then stays off)."""
    try:
        value = json.loads(_read_text(path) or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("containers"), list):
        return {}
    return value


def serving_record(release_id, rows):
    """What serving.json holds after a deploy passed its gate: the release and, per service, the running
    containers' short IDs, from stack_health_info's ``services`` rows."""
    pairs = {
        (row["service"], (c.get("id") or "")[:12])
        for row in rows or []
        for c in row.get("containers") or []
        if c.get("state") == "running"
    }
    return {"release": release_id, "containers": [{"service": s, "id": i} for s, i in sorted(pairs)]}


def serving_current(serving, current, rows):
    """Whether a Compose up of the current release would find nothing to do, without asking Compose.

    True only when serving.json names the current release and the project's containers (host_preflight_info's
    ``containers``: every non-one-off container, running or not) are exactly the ones recorded serving it, all
    running: none was recreated, removed, added or stopped since the deploy that passed its gate created them.
    Together with an unchanged render and unchanged images (the one-shot jobs' key), Compose's configuration
    hash of each container is the one it would compute now. Anything else (no record, a killed deploy, a
    container started by hand) says False, and the deploy asks Compose as before.
    """
    if not current or not isinstance(serving, dict) or serving.get("release") != current:
        return False
    rows = rows or []
    if not rows or any(row.get("state") != "running" for row in rows):
        return False
    now = sorted((row["service"], (row.get("id") or "")[:12]) for row in rows)
    recorded = sorted((c.get("service"), c.get("id")) for c in serving.get("containers") or [] if isinstance(c, dict))
    return now == recorded


def read_release_files(root, record):
    """The files a release record lists, ``{path: content}`` (a file that is gone is left out)."""
    release_id = (record or {}).get("id") or ""
    contents = {}
    for path in (record or {}).get("files") or [] if release_id else []:
        full = os.path.normpath(os.path.join(root, release_id, path))
        if not full.startswith(os.path.join(root, release_id) + os.sep):
            raise ReleaseError(f"{release_id}/release.json lists {path!r}, which is outside the release directory.")
        text = _read_text(full)
        if text:
            contents[path] = text
    return contents


def _read_text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return ""


def _read_record(root, release_id, problems):
    if not release_id:
        return {}
    path = os.path.join(root, release_id, RELEASE_FILE)
    text = _read_text(path)
    if not text:
        return {}  # a pointer without its record (removed by hand) reads as no record
    try:
        record = json.loads(text)
    except ValueError as exc:
        problems.append(f"{path}: not JSON ({exc})")
        return {}
    if not isinstance(record, dict):
        problems.append(f"{path}: expected a JSON object")
        return {}
    record.setdefault("id", release_id)
    return record


# ---- images and what changed ------------------------------------------------------------------


def _normal(ref):
    """A reference as Docker lists it in RepoTags/RepoDigests: no docker.io/library/ prefix, :latest when untagged."""
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
            break
    name = ref.split("@")[0]
    if "@" not in ref and ":" not in name.rsplit("/", 1)[-1]:
        ref += ":latest"
    return ref


def image_ids(refs, images):
    """Each reference's local image ID ('' when the host does not have it).

    ``images``: community.docker.docker_image_info's ``images`` (inspect results, missing ones left out,
    in no particular order), matched by RepoTags, RepoDigests or ID.
    """
    by_ref = {}
    for image in images or []:
        for name in (image.get("RepoTags") or []) + (image.get("RepoDigests") or []):
            by_ref.setdefault(_normal(name), image.get("Id") or "")
        if image.get("Id"):
            by_ref.setdefault(image["Id"], image["Id"])
    return {ref: by_ref.get(_normal(ref)) or by_ref.get(ref) or "" for ref in refs or []}


def changed_services(before, after):
    """Services whose containers (ID or state) differ between two looks at the project, sorted.

    ``before``/``after``: host_preflight_info's ``containers`` (``{service, id, state}``). A service the deploy
    created, recreated, started, stopped or removed is in the list; one it left alone is not.
    """

    def by_service(rows):
        grouped = {}
        for row in rows or []:
            grouped.setdefault(row["service"], set()).add((row.get("id"), row.get("state")))
        return grouped

    old, new = by_service(before), by_service(after)
    return sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name))


def _relative(path):
    path = os.path.normpath(path or "")
    return path[2:] if path.startswith("./") else path


def rendered_changes(old, new, services, old_images=None, new_images=None):
    """Which services a deploy of ``new`` would recreate over ``old``, with why: ``{service: reason}``.

    ``old``/``new``: ``{'spec': the parsed compose file, 'files': {path: content}}`` (paths relative to the
    project directory). Compose recreates a service when its definition changes (its env files are part of
    it) or its image does; a config or secret file is bind-mounted, so a new content alone does not. Check
    mode needs this: the compose role writes nothing then, so Compose's dry run only sees the files on disk.
    """
    old_services = ((old or {}).get("spec") or {}).get("services") or {}
    new_services = ((new or {}).get("spec") or {}).get("services") or {}
    old_files = {_relative(p): c for p, c in ((old or {}).get("files") or {}).items()}
    new_files = {_relative(p): c for p, c in ((new or {}).get("files") or {}).items()}
    changes = {}
    for name in services:
        definition = new_services.get(name)
        if name not in old_services:
            changes[name] = "new service"
        elif old_services[name] != definition:
            changes[name] = "its definition changed"
        elif (old_images or {}).get(name) != (new_images or {}).get(name):
            changes[name] = "its image changed"
        else:
            env_files = (definition or {}).get("env_file") or []
            env_files = [env_files] if isinstance(env_files, str) else env_files
            paths = [_relative(e if isinstance(e, str) else e.get("path")) for e in env_files]
            moved = [p for p in paths if old_files.get(p) != new_files.get(p)]
            if moved:
                changes[name] = "its env file changed: " + ", ".join(moved)
    return changes


# ---- restoring ---------------------------------------------------------------------------------


def image_pins(images, refs, ids_now):
    """Services whose recorded image the reference no longer names: service -> recorded image ID.

    Pinning by ID changes a service's Compose configuration, so Compose recreates it: only the services
    whose reference moved (a rebuilt or re-pulled tag) are pinned, the others keep running untouched.
    A record without references (written before they were recorded) pins every service.
    """
    pins = {}
    for service, image_id in sorted((images or {}).items()):
        ref = (refs or {}).get(service)
        if not ref or (ids_now or {}).get(ref) != image_id:
            pins[service] = image_id
    return pins


def pin_file(pins, comment):
    """A Compose override that sets each service's image (by ID or digest); '' when there is nothing to pin."""
    if not pins:
        return ""
    lines = [f"# {comment}", "services:"]
    for service, image_id in sorted(pins.items()):
        lines += [f"  {service}:", f"    image: {json.dumps(image_id)}"]
    return "\n".join(lines) + "\n"


# ---- checking the options ----------------------------------------------------------------------

_MINIMUMS = (
    ("deploy_keep_releases", 1, ""),
    ("deploy_lock_wait", 0, " seconds"),
    ("deploy_lock_ttl", 60, " seconds"),
    ("deploy_health_timeout", 1, " seconds"),
    ("deploy_job_timeout", 1, " seconds"),
    ("deploy_min_free_disk_mb", 0, " MB"),
    ("deploy_swarm_converge_timeout", 0, " seconds (0 means deploy_health_timeout)"),
    ("deploy_swarm_job_timeout", 10, " seconds"),
)
_STACK_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_WHOLE = re.compile(r"-?[0-9]+")


def _whole(value):
    """An option's whole number: an int, or a string of digits (as -e name=30 gives it); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value)
    return None


def option_problems(options):
    """One sentence per option that is out of range: the variable, the value found and what is accepted.

    ``options`` holds the deploy role's variables by name; those absent are not checked.
    """
    problems = []
    for name, minimum, unit in _MINIMUMS:
        if name not in options:
            continue
        value = options[name]
        if _whole(value) is None or _whole(value) < minimum:
            problems.append(f"{name} = {value!r}: expected a whole number of at least {minimum}{unit}.")
    converge = _whole(options.get("deploy_swarm_converge_timeout"))
    if converge is not None and 0 < converge < 10:
        problems.append(f"deploy_swarm_converge_timeout = {converge}: expected 0 or at least 10 seconds.")
    wanted = options.get("deploy_rollback_to", "previous")
    if not isinstance(wanted, str) or not (wanted == "previous" or RELEASE_ID.fullmatch(wanted)):
        problems.append(
            f'deploy_rollback_to = {wanted!r}: expected "previous" or a release id such as 20261127T063000Z-1a2b3c4d.'
        )
    if "deploy_project_name" in options and not _STACK_NAME.fullmatch(str(options["deploy_project_name"])):
        problems.append(
            f"deploy_project_name = {options['deploy_project_name']!r} (from compose_project_name unless set): "
            "expected a Compose project name, lower-case letters, digits, _ and -, starting with a letter or digit."
        )
    if options.get("deploy_backend", "compose") == "swarm":
        stack = options.get("deploy_swarm_stack_name") or options.get("deploy_project_name") or ""
        if not _STACK_NAME.fullmatch(stack):
            problems.append(
                f"deploy_swarm_stack_name = {stack!r} (empty means deploy_project_name): expected lower-case "
                "letters, digits, _ and -, starting with a letter or digit."
            )
        registry = options.get("deploy_swarm_registry") or ""
        if registry and not (
            options.get("deploy_swarm_registry_username") and options.get("deploy_swarm_registry_password")
        ):
            problems.append(
                f"deploy_swarm_registry = {registry!r}: expected deploy_swarm_registry_username and "
                "deploy_swarm_registry_password with it (keep the password in the vault)."
            )
    problems += _endpoint_problems(options.get("deploy_endpoints") or [])
    return problems


_SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


def _endpoint_problems(endpoints):
    """The gate's endpoints (deploy_endpoints): each a service name and an http(s) URL the gate can ask."""
    if not isinstance(endpoints, list):
        return [f"deploy_endpoints = {endpoints!r}: expected a list of {{service, url}} entries."]
    problems = []
    for i, entry in enumerate(endpoints):
        where = f"deploy_endpoints[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} = {entry!r}: expected a mapping with service and url.")
            continue
        service = entry.get("service")
        if not isinstance(service, str) or not _SERVICE_NAME.fullmatch(service):
            problems.append(
                f"{where}.service = {service!r}: expected the name of one of the stack's services, such as api."
            )
        problem = ic.http_url(entry.get("url"))
        if problem:
            problems.append(
                f"{where}.url = {ic.show(entry.get('url'))}: {problem}; expected an http or https URL that the host "
                "itself can ask, such as http://127.0.0.1:8000/ready."
            )
    return problems


# ---- the public result and the summary ---------------------------------------------------------


def _endpoints_text(endpoints):
    if not endpoints:
        return "-"
    return f"{sum(1 for e in endpoints if e.get('ok'))}/{len(endpoints)} ok"


def result_services(rows, refs=None, images=None):
    """``deploy_result.services`` from the health gate's rows (long-running services only)."""
    refs, images = refs or {}, images or {}
    services = []
    for row in rows or []:
        if row.get("one_shot"):
            continue
        name = row["service"]
        seen = [c.get("image") for c in row.get("containers") or [] if c.get("state") == "running" and c.get("image")]
        services.append(
            {
                "name": name,
                "image": refs.get(name) or "",
                "image_id": images.get(name) or (seen[0] if seen else ""),
                "health": row.get("state") or "unknown",
                "healthcheck": not row.get("no_healthcheck", False),
                "healthy_after": row.get("time_to_healthy"),
                "replicas": f"{row.get('running', 0)}/{row.get('desired', 0)}",
                "endpoints": _endpoints_text(row.get("endpoints")),
            }
        )
    known = {s["name"] for s in services}
    for name in sorted(set(refs) - known) if not rows else []:
        services.append(
            {
                "name": name,
                "image": refs[name],
                "image_id": images.get(name) or "",
                "health": "not checked",
                "healthcheck": True,
                "healthy_after": None,
                "replicas": "-",
                "endpoints": "-",
            }
        )
    return sorted(services, key=lambda s: s["name"])


def deploy_result(
    rows,
    *,
    status,
    backend,
    name,
    environment,
    release="",
    previous="",
    refs=None,
    images=None,
    jobs=None,
    urls=None,
    notes=None,
    check_mode=False,
    failure=None,
    touched=None,
    not_converged=None,
    action="deploy",
    rollout=None,
):
    """The deploy role's public result ``deploy_result`` (documented in the role's README).

    ``rows``: the health gate's ``services``. ``failure``: ``{'task', 'message'}`` of the step that failed.
    ``touched``: the services a failed deploy had changed before it failed (only those were brought back;
    none: only the files and the release pointer were put back, nothing restarted).
    ``action``: ``deploy``, or ``rollback`` for the rollback entry point.
    ``rollout``: how the services were updated, one line each (compose_rollout's ``summary``: cut over
    without downtime, or restarted in place).
    """
    if action not in ("deploy", "rollback"):
        raise ReleaseError(f"action: expected deploy or rollback, found {action!r}.")
    if status not in STATUSES:
        raise ReleaseError(f"status: expected one of {', '.join(STATUSES)}, found {status!r}.")
    if backend not in BACKENDS:
        raise ReleaseError(f"backend: expected one of {', '.join(BACKENDS)}, found {backend!r}.")
    return {
        "status": status,
        "backend": backend,
        "name": name,
        "environment": environment,
        "release": release or "",
        "previous": previous or "",
        "check_mode": bool(check_mode),
        "services": result_services(rows, refs, images),
        "jobs": jobs or {"run": False, "reason": "no one-shot job", "jobs": []},
        "urls": list(urls or []),
        "notes": list(notes or []),
        "failure": failure or None,
        "touched": sorted(touched or []),
        "action": action,
        "not_converged": list(not_converged or []),
        "rollout": list(rollout or []),
    }


def _seconds(value):
    return "-" if value is None else f"{value:.1f}s"


def services_table(services):
    """The summary's table: one line per service, columns aligned."""
    header = ("SERVICE", "STATE", "REPLICAS", "TIME TO HEALTHY", "ENDPOINTS", "IMAGE")
    lines = [header]
    for s in services:
        after = _seconds(s["healthy_after"]) if s.get("healthcheck", True) or s["healthy_after"] else "no check"
        image = s["image"] or "-"
        if s.get("image_id"):
            short = s["image_id"].split("@")[-1].removeprefix("sha256:")[:12]
            image = f"{image} ({short})" if s["image"] else short
        lines.append((s["name"], s["health"], s["replicas"], after, s["endpoints"], image))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines]


def _what(result):
    kind = "stack" if result["backend"] == "swarm" else "project"
    return f"{kind} {result['name']} ({result['environment']})"


def summary_lines(result):
    """The deploy summary (or the failure message) as lines, from ``deploy_result``."""
    what, release = _what(result), result["release"]
    lines = []
    if result.get("action") == "rollback":
        if result["status"] == "unchanged":
            lines.append(f"Rollback: {what} runs release {release} (it already did)")
        else:
            lines.append(f"Rolled back: {what} runs release {release} (was {result['previous'] or 'none'})")
    elif result["status"] in ("rolled_back", "failed"):
        failure = result.get("failure") or {}
        lines.append(f'Deploy of {what} failed at "{failure.get("task") or "unknown task"}":')
        if result.get("not_converged"):
            lines.append("Services that did not converge to the new release:")
            lines += [f"  - {line}" for line in result["not_converged"]]
        else:
            lines += [f"  {line}" for line in _lines(failure.get("message"))]
        lines.append(_outcome(result))
    elif result["check_mode"]:
        if result["status"] == "unchanged":
            lines.append(f"Check mode: {what} is at release {release}; a deploy would change nothing.")
        else:
            was = result["previous"] or "none"
            lines.append(f"Check mode: a deploy of {what} would record release {release} (current: {was}).")
    elif result["status"] == "unchanged":
        lines.append(f"Deployed {what} release {release} (nothing changed: it was already current)")
    else:
        lines.append(f"Deployed {what} release {release} (was {result['previous'] or 'none'})")
    jobs = result["jobs"]
    if jobs.get("jobs") and result["status"] in ("deployed", "unchanged") and result.get("action") != "rollback":
        names = ", ".join(jobs["jobs"])
        if jobs["run"]:
            verb = "would run" if result["check_mode"] else "ran"
            lines.append(f"One-shot jobs ({names}) {verb}: {jobs['reason']}.")
        else:
            lines.append(f"One-shot jobs ({names}) skipped: {jobs['reason']}.")
    if result.get("rollout"):
        verb = "would be" if result["check_mode"] else "were"
        lines.append(f"How the services {verb} updated:")
        lines += [f"  - {line}" for line in result["rollout"]]
    if result["services"]:
        lines += services_table(result["services"])
    lines += result.get("notes") or []
    if result["status"] in ("deployed", "unchanged"):
        lines += [f"URL: {url}" for url in result["urls"]]
    return lines


def _lines(message):
    """A message (text, or a list of texts) as non-empty lines."""
    parts = message if isinstance(message, list) else [message]
    return [line for part in parts for line in str(part or "").strip().splitlines() if line.strip()]


def _outcome(result):
    release, failure = result["release"], result.get("failure") or {}
    if result["status"] == "rolled_back":
        if not result["touched"]:
            return (
                f"No service had been changed yet, so nothing was restarted: the files and the release pointer "
                f"were rolled back to release {release}, which keeps serving:"
            )
        if result["backend"] == "swarm":
            return f"The whole stack was rolled back to release {release}; every service runs it and is healthy:"
        changed = ", ".join(result["touched"])
        return f"The services the deploy had changed ({changed}) were rolled back to release {release}, healthy again:"
    if failure.get("rollback_task"):
        return (
            f'The rollback to release {release} failed too, at "{failure["rollback_task"]}": '
            f"{failure.get('rollback_message', '')}"
        )
    if not release:
        return "No earlier release is recorded, so nothing was rolled back; fix the cause and deploy again."
    return (
        "Automatic rollback is off (deploy_rollback_on_failure=false); nothing was rolled back. "
        f"Release {release} is still recorded as current: roll back with `make rollback` (playbooks/rollback.yml)."
    )

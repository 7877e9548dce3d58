# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Swarm backend's decisions: the two deploy steps, job completion and convergence to a release.

``docker stack deploy`` reruns every job (deploy.mode replicated-job) on each run, and exits 0 even
when Swarm then rolls a service back by itself. So the deploy role splits the stack file into a jobs
step and a services step (``plan``), waits for each job's run (``job_verdict``), then waits until
every long-running service runs the release with all its tasks (``rollout_verdict``). The inputs are
what community.docker.docker_swarm_info returns (services and tasks, verbose); no Docker is needed.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib

JOB_MODES = ("replicated-job", "global-job")
# Swarm's UpdateStatus.State values: still moving, gave up (paused), or done.
MOVING = ("updating", "rollback_started")
GAVE_UP = ("paused", "rollback_paused")


class SwarmPlanError(ValueError):
    """The stack file cannot be split; the message says what was found."""


def _depends_on(service):
    deps = service.get("depends_on") or []
    return list(deps)  # a mapping (with conditions) or a list: the names either way


def plan(spec):
    """Split a stack file (parsed) into its jobs step and its services step.

    Returns ``jobs`` and ``long_running`` (names, sorted), ``want`` (long-running service -> image),
    ``job_images`` (job -> image), and ``jobs_step`` / ``services_step``: the stack file with only the
    jobs and what they depend on (transitively), or only the long-running services; ``depends_on`` keeps
    the services within the same step.
    """
    services = (spec or {}).get("services")
    if not isinstance(services, dict) or not services:
        raise SwarmPlanError("the stack file has no services mapping; expected the compose role's rendered file.")
    jobs = sorted(n for n, s in services.items() if ((s or {}).get("deploy") or {}).get("mode") in JOB_MODES)
    long_running = sorted(set(services) - set(jobs))
    keep, todo = set(jobs), list(jobs)
    while todo:
        for dep in _depends_on(services[todo.pop()] or {}):
            if dep not in services:
                raise SwarmPlanError(f"a job depends on {dep!r}, which the stack file does not define.")
            if dep not in keep:
                keep.add(dep)
                todo.append(dep)
    return {
        "jobs": jobs,
        "long_running": long_running,
        "want": {n: services[n].get("image", "") for n in long_running},
        "job_images": {n: services[n].get("image", "") for n in jobs},
        "jobs_step": _step(spec, sorted(keep)),
        "services_step": _step(spec, long_running),
    }


def _step(spec, names):
    step = copy.deepcopy(spec)
    kept = {}
    for name in names:
        service = dict(spec["services"][name])
        deps = [d for d in _depends_on(service) if d in names]
        service.pop("depends_on", None)
        if deps:
            service["depends_on"] = deps
        kept[name] = service
    step["services"] = kept
    return step


def _service(state, stack, name):
    full = f"{stack}_{name}"
    for service in state.get("services") or []:
        if (service.get("Spec") or {}).get("Name") == full:
            return service
    return None


def _get(data, *path, default=None):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def rollout_verdict(state, stack, want):
    """Per long-running service: converged, failed (Swarm gave up or runs another image) or pending.

    ``state``: docker_swarm_info's result with ``services`` and the tasks meant to run (desired-state running).
    ``want``: service -> the image it must run (a reference, or a digest-pinned one for a restore).
    Returns ``{'converged', 'failed', 'pending': [names], 'why': {name: text}, 'not_converged': [lines],
    'images': {name: the image its spec names now (digest-pinned once Swarm resolved it)}}``.
    """
    verdict = {"converged": [], "failed": [], "pending": [], "why": {}, "images": {}}
    tasks = state.get("tasks") or []
    for name in sorted(want):
        wanted = want[name]
        service = _service(state, stack, name)
        if service is None:
            verdict["pending"].append(name)
            verdict["why"][name] = "the service does not exist yet"
            continue
        image = _get(service, "Spec", "TaskTemplate", "ContainerSpec", "Image", default="")
        verdict["images"][name] = image
        image_ok = image == wanted or image.split("@")[0] == wanted
        update = _get(service, "UpdateStatus", "State", default="completed") or "completed"
        own = [t for t in tasks if t.get("ServiceID") == service.get("ID")]
        good = [
            t
            for t in own
            if _get(t, "Status", "State") == "running" and _get(t, "Spec", "ContainerSpec", "Image") == image
        ]
        replicated = _get(service, "Spec", "Mode", "Replicated")
        desired = replicated.get("Replicas", 1) if isinstance(replicated, dict) else len(own)
        if update in MOVING:
            verdict["pending"].append(name)
            verdict["why"][name] = "Swarm is still " + ("rolling back" if update == "rollback_started" else "updating")
        elif update in GAVE_UP or not image_ok:
            message = _get(service, "UpdateStatus", "Message", default="") or ""
            verdict["failed"].append(name)
            verdict["why"][name] = (
                f"runs {image.split('@')[0]} instead of {wanted.split('@')[0]} (Swarm update status: {update}"
                + (f"; {message}" if message else "")
                + ")"
            )
        elif len(good) < desired or len(own) > len(good):
            others = len([t for t in own if _get(t, "Spec", "ContainerSpec", "Image") != image])
            verdict["pending"].append(name)
            verdict["why"][name] = f"{len(good)} of {desired} tasks run this release" + (
                f", {others} other(s) still scheduled" if others > 0 else ""
            )
        else:
            verdict["converged"].append(name)
    verdict["not_converged"] = [f"{n}: {verdict['why'][n]}" for n in verdict["failed"] + verdict["pending"]]
    return verdict


def job_verdict(state, stack, jobs):
    """Per job: done (a task of the job's current run completed), failed (more failed tasks than its restart
    policy allows) or pending. Returns ``{'done', 'failed', 'pending': [names], 'errors': {name: text}}``.
    """
    verdict = {"done": [], "failed": [], "pending": [], "errors": {}}
    for job in jobs:
        service = _service(state, stack, job)
        if service is None:
            verdict["pending"].append(job)
            continue
        run = _get(service, "JobStatus", "JobIteration", "Index", default=0) or 0
        own = [t for t in state.get("tasks") or [] if t.get("ServiceID") == service.get("ID")]
        if run > 0:
            current = [t for t in own if _get(t, "JobIteration", "Index") == run]
        else:
            current = [t for t in own if _get(t, "JobIteration", "Index") is None]
        failed = [t for t in current if _get(t, "Status", "State") in ("failed", "rejected")]
        allowed = _get(service, "Spec", "TaskTemplate", "RestartPolicy", "MaxAttempts", default=0) or 0
        if any(_get(t, "Status", "State") == "complete" for t in current):
            verdict["done"].append(job)
        elif len(failed) > allowed:
            verdict["failed"].append(job)
            errors = []
            for task in failed:
                error = _get(task, "Status", "Err") or "no error"
                if error not in errors:
                    errors.append(error)
            verdict["errors"][job] = "; ".join(errors)
        else:
            verdict["pending"].append(job)
    return verdict


def secret_conflicts(values_b64, existing):
    """Docker secrets that exist with another value: a Docker secret cannot change, so a new value needs a new
    name (a raised version in compose_secret_versions).

    ``values_b64``: ``{secret name: value, base64-encoded}`` (as slurp reads the rendered files);
    ``existing``: the ``Spec`` of each existing secret (``docker secret inspect``), whose ``ansible_key``
    label community.docker.docker_secret sets to the SHA-224 of the value. A secret without that label
    (created by hand) is not compared.
    """
    conflicts = []
    for spec in existing or []:
        name = spec.get("Name")
        known = (spec.get("Labels") or {}).get("ansible_key") or ""
        if name not in values_b64 or not known:
            continue
        try:
            value = base64.b64decode(values_b64[name], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SwarmPlanError(f"the value of secret {name} is not base64 ({exc}).") from None
        if known != hashlib.sha224(value).hexdigest():
            conflicts.append(name)
    return sorted(conflicts)


def node_labels(role_label, is_manager, group_labels, host_groups, own_labels):
    """A node's labels: the role label, then each of its groups' labels (groups in name order), then its own.

    Later sources win on the same key; every value is a string, as Docker stores node labels.
    """
    labels = {}
    if role_label:
        labels[role_label] = "manager" if is_manager else "worker"
    for group in sorted(group_labels or {}):
        if group in (host_groups or []):
            labels.update(group_labels[group] or {})
    labels.update(own_labels or {})
    return {key: _label_value(value) for key, value in labels.items()}


def _label_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zero-downtime updates of Compose services on one host: start the new container beside the old one, wait
until it is healthy and the proxy knows it, then stop the old one gracefully (it finishes what it is doing).

This is the plan and the verdicts, as plain functions; the compose_rollout module runs them against Compose
and the engine. Compose itself would recreate a changed service in place (stop, then start), which fails the
requests that arrive in between.

Which services changed is Compose's own verdict, from a dry run of the very ``up`` that follows (the
containers it would recreate): Compose's configuration hash of a service depends on the services brought up
together (``--no-deps`` drops the dependencies left out), so ``docker compose config --hash`` does not give
the hash the ``up`` compares with, and no hash is computed here.
"""

from __future__ import annotations

ONEOFF_LABEL = "com.docker.compose.oneoff"
SERVICE_LABEL = "com.docker.compose.service"

UNCHANGED = "unchanged"
CREATE = "create"
CUTOVER = "cutover"
IN_PLACE = "in_place"
RESTART = "restart"
TIDY = "tidy"
REPLACE = "replace"


def fixed_host_ports(service_config):
    """Host ports a service publishes at a fixed number (from ``docker compose config --format json``).

    Two containers cannot bind the same host port, so such a service cannot run old and new side by side.
    """
    ports = []
    for p in service_config.get("ports") or []:
        published = str(p.get("published") or "")
        if published and published != "0":
            ports.append(f"{p.get('host_ip') or '*'}:{published}")
    return ports


def _labels(container):
    return (container.get("Config") or {}).get("Labels") or {}


def name(container):
    """A container's name without Docker's leading slash (the name Compose's events give)."""
    return (container.get("Name") or "").lstrip("/")


def _running(container):
    return bool((container.get("State") or {}).get("Running"))


def service_containers(containers, service):
    """The service's long-running containers (``docker inspect`` dicts), one-off ones (compose run) left out."""
    return [
        c
        for c in containers
        if _labels(c).get(SERVICE_LABEL) == service and _labels(c).get(ONEOFF_LABEL, "False") != "True"
    ]


def services_of(containers, names):
    """The services whose containers Compose named (``names``: container names from its dry run), sorted."""
    wanted = set(names)
    return sorted(
        {_labels(c).get(SERVICE_LABEL) for c in containers if name(c) in wanted and _labels(c).get(SERVICE_LABEL)}
    )


def health(container):
    """A container's verdict: healthy, starting, unhealthy (Docker's health), running (no health check), or exited."""
    state = container.get("State") or {}
    if not state.get("Running"):
        return "exited"
    h = state.get("Health")
    if not h:
        return "running"
    return h.get("Status") or "starting"


def replicas(service_config):
    """How many containers Compose runs for a service (``deploy.replicas``, else ``scale``, else 1)."""
    deploy = service_config.get("deploy") or {}
    for value in (deploy.get("replicas"), service_config.get("scale")):
        if value is not None:
            return int(value)
    return 1


def plan_tidy(service, containers, want=1):
    """What an interrupted cut-over (or a crash) left: more containers than ``want``, or stopped leftovers.

    Keeps ``want`` running containers: the newest that serve (healthy, or running without a health check)
    first, then the newest running ones; the others go (a new container that never became healthy, or the
    old one a killed deploy did not stop). Nothing to do when there are no more containers than ``want``.
    """
    if len(containers) <= want:
        return {"service": service, "action": UNCHANGED, "reason": "as many containers as wanted", "old": []}
    running = [c for c in containers if _running(c)]
    if not running:
        # Nothing serves: Compose starts the service (and removes what it does not need).
        return {"service": service, "action": UNCHANGED, "reason": "no container runs", "old": []}
    ranked = sorted(running, key=lambda c: (health(c) in ("healthy", "running"), c.get("Created") or ""), reverse=True)
    keep = ranked[:want]
    return {
        "service": service,
        "action": TIDY,
        "reason": "an interrupted cut-over left {} containers; kept the newest serving {}".format(
            len(containers), "one" if want == 1 else want
        ),
        "old": [c["Id"] for c in containers if c not in keep],
        "keep": [c["Id"] for c in keep],
    }


def plan_service(service, containers, recreate, fixed_ports, image_changed=None):
    """What updating one service takes: its action, why, and the containers that go.

    ``recreate``: the container names Compose would recreate (its dry run of the same ``up``).

    - create: nothing runs yet (Compose starts it; there is nothing to keep serving);
    - unchanged: Compose would not recreate it;
    - cutover: start the new container beside the old, then drain the old;
    - in_place: it publishes fixed host ports, so Compose recreates it (stop, then start).
    """
    running = [c for c in containers if _running(c)]
    old = [c["Id"] for c in containers]
    if not running:
        return {"service": service, "action": CREATE, "reason": "no container runs yet", "old": old}
    if not any(name(c) in set(recreate) for c in containers):
        return {"service": service, "action": UNCHANGED, "reason": "runs the wanted configuration", "old": []}
    if fixed_ports:
        return {
            "service": service,
            "action": IN_PLACE,
            "reason": "publishes fixed host ports ({}), which two containers cannot share".format(
                ", ".join(fixed_ports)
            ),
            "old": old,
        }
    if image_changed is None:
        reason = "configuration or image changed"
    else:
        reason = "image changed" if image_changed else "configuration changed"
    return {"service": service, "action": CUTOVER, "reason": reason, "old": old}


def plan_replace(service, containers, fixed_ports, reason):
    """Replacing every container of a service after a change Compose's configuration hash does not see (the
    content of a secret file the service reads when it starts): cut over, or restart where it cannot run twice.

    - unchanged: no container runs (the one that starts later reads the new file);
    - cutover: start the new container beside the old, then drain the old;
    - restart: it publishes fixed host ports, so it is restarted (a start mounts the file anew).
    """
    if not any(_running(c) for c in containers):
        return {"service": service, "action": UNCHANGED, "reason": "no container runs", "old": []}
    old = [c["Id"] for c in containers]
    if fixed_ports:
        return {
            "service": service,
            "action": RESTART,
            "reason": "{}; publishes fixed host ports ({}), which two containers cannot share".format(
                reason, ", ".join(fixed_ports)
            ),
            "old": old,
        }
    return {"service": service, "action": CUTOVER, "reason": reason, "old": old}


def depends_on(service_config):
    """The services a service depends on (``depends_on`` of ``docker compose config --format json``)."""
    deps = service_config.get("depends_on") or {}
    return sorted(deps) if isinstance(deps, (dict, list)) else []


def restarts(plans, recreated_services, rolled, dependencies=None):
    """The services Compose will stop and start again (recreate in place): those not cut over.

    Compose's dry run also recreates the services that depend on one it recreates (nginx with the API); once
    that one is cut over, the real ``up`` leaves them alone, so a service recreated in the dry run that
    depends on a cut-over service is not counted (``dependencies``: service -> the services it depends on).
    """
    dependencies = dependencies or {}
    in_place = {p["service"] for p in plans if p["action"] == IN_PLACE}
    others = {s for s in recreated_services if s not in rolled and not set(dependencies.get(s) or []) & set(rolled)}
    return sorted(in_place | others)


def restart_warning(restarted, stateful):
    """The warning a deploy gives before Compose restarts stateful services in place, or None."""
    names = [s for s in restarted if s in set(stateful)]
    if not names:
        return None
    one = len(names) == 1
    return (
        "{} will be stopped and started again by this deploy (Compose recreates {} in place: {} changed); "
        "{} clients see errors until {} back.".format(
            ", ".join(names),
            "it" if one else "them",
            "its configuration or image" if one else "their configuration or images",
            "its" if one else "their",
            "it is" if one else "they are",
        )
    )


def new_containers(before_ids, containers):
    """The containers of ``containers`` that were not there before (the ones a scale-up started)."""
    before = set(before_ids)
    return [c for c in containers if c["Id"] not in before]


def scale_arguments(counts):
    """``--scale`` arguments for one scale-up of several services (service -> containers wanted), sorted."""
    args = []
    for service in sorted(counts):
        args += ["--scale", f"{service}={counts[service]}"]
    return args


def cutover_progress(fresh, inspected):
    """Where the new containers of a cut-over stand, per service.

    ``fresh``: service -> the IDs of its new containers; ``inspected``: container ID -> ``docker inspect`` dict
    (an ID missing from it was removed: it counts as exited). Returns ``(serving, failed)``: the services all
    of whose new containers serve (healthy, or running without a health check), sorted, and one
    ``(service, verdict, last health check output)`` per service with a new container that is unhealthy or
    exited, in the order of ``fresh``. The others are still starting.
    """
    serving, failed = [], []
    for service, ids in fresh.items():
        verdicts = []
        for container_id in ids:
            c = inspected.get(container_id) or {"State": {"Running": False}}
            verdicts.append((health(c), c))
        bad = [(v, c) for v, c in verdicts if v in ("unhealthy", "exited")]
        if bad:
            verdict, c = bad[0]
            failed.append((service, verdict, last_health_output(c)))
        elif all(verdict in ("healthy", "running") for verdict, _container in verdicts):
            serving.append(service)
    return sorted(serving), failed


def last_health_output(container):
    """The output of a container's last health check, trimmed to its last 500 characters ("" if none)."""
    log = ((container.get("State") or {}).get("Health") or {}).get("Log") or []
    return (log[-1].get("Output") or "").strip()[-500:] if log else ""


def summary(results):
    """One line per service that was (or would be) changed, for the deploy summary."""
    lines = []
    for r in results:
        if r["action"] == UNCHANGED:
            continue
        line = "{}: {}".format(r["service"], r["action"].replace("_", " "))
        if r.get("reason"):
            line += " ({})".format(r["reason"])
        if r.get("seconds") is not None:
            line += ", {:.1f} s".format(r["seconds"])
        lines.append(line)
    return lines

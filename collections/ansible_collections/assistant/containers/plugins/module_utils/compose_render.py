# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The compose role's decisions: its options' checks, the services and images it renders, its file lists.

Pure functions, no Ansible and no Docker; the role's tasks call them through the
filters of plugins/filter/compose.py. ``services`` is the role's stack shape
(``_compose_services`` in vars/main.yml): per service its image (catalog name),
uid, group (core, seed, monitoring, optional), secrets, job, ...
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex

from ansible_collections.assistant.containers.plugins.module_utils import input_checks as ic

# The groups a plain `docker compose up` leaves out under compose_monitoring=profile.
PROFILE_GROUPS = ("monitoring", "optional")
# Services that must keep serving during a Swarm rolling update.
SWARM_REDUNDANT = ("api", "agent", "sms", "worker")
PORT_KEYS = ("target", "published", "host_ip")
RESOURCE_KEYS = ("cpus", "memory", "pids", "reserve_cpus", "reserve_memory")
HEALTHCHECK_DURATIONS = {"interval": 0.001, "timeout": 0.001, "start_period": 0.0, "start_interval": 0.001}
HEALTHCHECK_KEYS = (*HEALTHCHECK_DURATIONS, "retries")
HEALTHCHECK_TEST_KINDS = ("CMD", "CMD-SHELL", "NONE")
SEED_NOTE_KEYS = ("title", "body")
# Docker refuses a memory limit below 6 MiB when it creates the container.
MIN_MEMORY = 6 * 1024**2
# Ranges of the counts (inclusive).
MAX_REPLICAS = 100
MAX_WORKER_CONCURRENCY = 64
MAX_LOG_FILES = 100
MAX_PIDS = 4194304  # the kernel's pid_max ceiling
MAX_RETRIES = 100
MAX_UPDATE_PARALLELISM = 100
MAX_SECRET_VERSION = 999999
# The app's columns (app/src/assistant_app/db.py): notes.title String(200), tasks.user String(100).
MAX_NOTE_TITLE = 200
MAX_SMS_USER = 100
# The SMS user names: no , or = (SMS_NUMBERS separators), no space around them (the app strips it).
_SMS_USER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-")


def _where(variable, *keys):
    out = variable
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else f".{key}"
    return out


def _unknown_services(problems, variable, value, names, what="service"):
    for key in value:
        if key not in names:
            problems.append(f"{variable}.{key}: unknown {what}; expected one of {', '.join(names)}.")


def _mapping(problems, variable, value):
    """True when ``value`` is a mapping; else records the problem."""
    if isinstance(value, dict):
        return True
    problems.add(variable, value, f"is {ic._kind(value)}", "a mapping")
    return False


def _list(problems, variable, value):
    if isinstance(value, (list, tuple)):
        return True
    problems.add(variable, value, f"is {ic._kind(value)}", "a list")
    return False


def compose_problems(options, services, default_resources=None):
    """Every problem of the compose role's options, as sentences (empty when all are accepted).

    ``options`` maps each compose_* variable to its value; secrets are checked by ``secret_problems``.
    """
    p = ic.Problems()
    names = list(services)
    o = options

    _text_options(p, o)
    _ports(p, o.get("compose_ports", {}), names)
    _replicas(p, o, services)
    _resources(p, o.get("compose_resources", {}), default_resources or {}, names)
    _healthcheck(p, o.get("compose_healthcheck", {}))
    _redis_persistence(p, o.get("compose_redis_persistence", {}))
    _healthcheck_tests(p, o.get("compose_healthcheck_tests", {}), services)
    _images(p, o.get("compose_images", {}), services)
    _app_settings(p, o)
    _seed_notes(p, o.get("compose_seed_notes", []))
    _swarm_settings(p, o, services)
    if _list(p, "compose_optional_services", o.get("compose_optional_services", [])):
        for i, svc in enumerate(o.get("compose_optional_services", [])):
            if svc not in names:
                shown = f"compose_optional_services[{i}] = {ic.show(svc)}"
                p.append(f"{shown}: unknown service; expected one of {', '.join(names)}.")
    return list(p)


def _text_options(p, o):
    p.check(
        "compose_project_name",
        o.get("compose_project_name", ""),
        ic.compose_project_name,
        "a Compose project name: lowercase letters, digits, - and _, starting with a letter or digit",
    )
    for var in ("compose_project_dir", "compose_images_manifest_path", "compose_app_source_dir"):
        if var in o:
            p.check(var, o[var], ic.text, "a path without control characters")
    if "compose_tls_dir" in o:
        p.check(
            "compose_tls_dir",
            o["compose_tls_dir"],
            ic.absolute_path,
            'an absolute directory path without control characters, or "" for no TLS',
            allow_empty=True,
        )


# redis.conf directives of compose_redis_persistence and the values accepted. The eviction policies are those
# that never evict a key without an expiry time: Celery's queue keys have none (its results do).
REDIS_PERSISTENCE = {
    "appendonly": ("yes", "no"),
    "appendfsync": ("always", "everysec", "no"),
    "maxmemory-policy": ("noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"),
}
_REDIS_MEMORY = re.compile(r"[1-9][0-9]*(b|k|kb|m|mb|g|gb)?", re.IGNORECASE)


def _redis_persistence(p, value):
    if not _mapping(p, "compose_redis_persistence", value):
        return
    keys = (*REDIS_PERSISTENCE, "maxmemory")
    for key in value:
        if key not in keys:
            p.append(f"compose_redis_persistence.{key}: unknown key; expected {', '.join(keys)}.")
    for key, accepted in REDIS_PERSISTENCE.items():
        word = value.get(key)
        # YAML reads an unquoted yes or no as a boolean.
        word = ("yes" if word else "no") if isinstance(word, bool) and key == "appendonly" else word
        if word not in accepted:
            p.add(
                f"compose_redis_persistence.{key}", value.get(key), "is not accepted", "one of " + ", ".join(accepted)
            )
    memory = value.get("maxmemory")
    if not isinstance(memory, str) or not _REDIS_MEMORY.fullmatch(memory):
        p.add(
            "compose_redis_persistence.maxmemory",
            memory,
            "is not a Redis memory size",
            "a positive whole number with an optional unit b, k, kb, m, mb, g or gb, such as 128mb",
        )


def _ports(p, ports, names):
    if not _mapping(p, "compose_ports", ports):
        return
    _unknown_services(p, "compose_ports", ports, names)
    bound = []  # (address, published, service) of every accepted port
    for svc, entries in ports.items():
        if not _list(p, f"compose_ports.{svc}", entries):
            continue
        for i, port in enumerate(entries):
            where = _where("compose_ports", svc, i)
            if not _mapping(p, where, port):
                continue
            for key in port:
                if key not in PORT_KEYS:
                    p.append(
                        f"{where}.{key}: unknown key (a misspelt host_ip would publish on every interface);"
                        f" expected {', '.join(PORT_KEYS)}."
                    )
            ok = True
            for key in ("target", "published"):
                ok = p.check(f"{where}.{key}", port.get(key), ic.port, f"a port: {ic.EXPECTED_PORT}") and ok
            if "host_ip" in port:
                ok = p.check(f"{where}.host_ip", port["host_ip"], ic.ip_address, ic.EXPECTED_IP) and ok
            if ok:
                bound.append((port.get("host_ip"), ic.as_int(port["published"]), svc))
    # A wildcard address (none, 0.0.0.0, ::) takes the port on every address: it clashes with any other.
    seen = []
    for address, published, svc in bound:
        for other_address, other_published, other_svc in seen:
            if published == other_published and (
                address == other_address or _wildcard(address) or _wildcard(other_address)
            ):
                p.append(
                    f"compose_ports: {svc} ({address or 'every address'}) and {other_svc}"
                    f" ({other_address or 'every address'}) both publish port {published}; expected each host"
                    " address and port once (no host_ip, 0.0.0.0 and :: take the port on every address)."
                )
                break
        seen.append((address, published, svc))


def _wildcard(address):
    return address is None or ipaddress.ip_address(address).is_unspecified


def _replicas(p, o, services):
    replicas = o.get("compose_replicas", {})
    swarm = o.get("compose_swarm") is True
    if not _mapping(p, "compose_replicas", replicas):
        return
    _unknown_services(p, "compose_replicas", replicas, list(services))
    ports = o.get("compose_ports", {}) if isinstance(o.get("compose_ports"), dict) else {}
    for svc, n in replicas.items():
        if svc not in services:
            continue
        where = f"compose_replicas.{svc}"
        if not p.check(where, n, ic.count, f"an integer from 1 to {MAX_REPLICAS}", low=1, high=MAX_REPLICAS):
            continue
        n = ic.as_int(n)
        if services[svc].get("job") and n != 1:
            p.add(where, n, "is a one-shot job (it would run that many times)", "1, or no entry")
        elif swarm and services[svc].get("global") and n != 1:
            p.add(where, n, "runs once per node in Swarm (global)", "no entry")
        elif not swarm and n > 1 and ports.get(svc):
            p.add(
                where,
                n,
                f"publishes host ports (compose_ports.{svc}), which only one container can hold",
                "1 outside Swarm, or no published port",
            )
    if swarm:
        for svc in SWARM_REDUNDANT:
            n = ic.as_int(replicas.get(svc, 1))
            if n is not None and n < 2:
                p.append(
                    f"compose_replicas.{svc} = {n}: too few for Swarm; expected at least 2 so that a rolling"
                    " update keeps it serving."
                )


def _resources(p, resources, defaults, names):
    if not _mapping(p, "compose_resources", resources):
        return
    _unknown_services(p, "compose_resources", resources, names)
    for svc in names:
        own = resources.get(svc, {})
        if svc in resources and not _mapping(p, f"compose_resources.{svc}", own):
            continue
        for key in own:
            if key not in RESOURCE_KEYS:
                p.append(f"compose_resources.{svc}.{key}: unknown key; expected {', '.join(RESOURCE_KEYS)}.")
        merged = {**defaults.get(svc, {}), **own}
        ok = {}
        for key in ("memory", "reserve_memory"):
            if key in merged:
                minimum = MIN_MEMORY if key == "memory" else 0
                expected = ic.EXPECTED_COMPOSE_BYTES + (", at least 6m (Docker's minimum)" if minimum else "")
                ok[key] = p.check(
                    f"compose_resources.{svc}.{key}", merged[key], ic.compose_bytes, expected, minimum=minimum
                )
        for key in ("cpus", "reserve_cpus"):
            if key in merged:
                ok[key] = p.check(
                    f"compose_resources.{svc}.{key}",
                    merged[key],
                    ic.number,
                    'a CPU count: a number above 0 (e.g. "0.5")',
                    low=0,
                    low_open=True,
                )
        if "pids" in merged:
            p.check(
                f"compose_resources.{svc}.pids",
                merged["pids"],
                ic.count,
                f"an integer of at least 1 (at most {MAX_PIDS})",
                low=1,
                high=MAX_PIDS,
            )
        if (
            ok.get("memory")
            and ok.get("reserve_memory")
            and ic.compose_bytes_value(merged["reserve_memory"]) > ic.compose_bytes_value(merged["memory"])
        ):
            p.add(
                f"compose_resources.{svc}.reserve_memory",
                merged["reserve_memory"],
                f"is above the limit {ic.show(merged['memory'])} (Docker refuses to create the container)",
                "a reservation no larger than compose_resources." + svc + ".memory",
            )
        if (
            ok.get("cpus")
            and ok.get("reserve_cpus")
            and ic.as_number(merged["reserve_cpus"]) > ic.as_number(merged["cpus"])
        ):
            p.add(
                f"compose_resources.{svc}.reserve_cpus",
                merged["reserve_cpus"],
                f"is above the limit {ic.show(merged['cpus'])}",
                "a reservation no larger than compose_resources." + svc + ".cpus",
            )


def _healthcheck(p, hc):
    if not _mapping(p, "compose_healthcheck", hc):
        return
    for key in hc:
        if key not in HEALTHCHECK_KEYS:
            p.append(f"compose_healthcheck.{key}: unknown key; expected {', '.join(HEALTHCHECK_KEYS)}.")
    for key, minimum in HEALTHCHECK_DURATIONS.items():
        if key not in hc:
            p.append(f"compose_healthcheck.{key}: missing; expected {ic.EXPECTED_COMPOSE_DURATION}.")
            continue
        expected = ic.EXPECTED_COMPOSE_DURATION + (", at least 1ms" if minimum else "")
        p.check(f"compose_healthcheck.{key}", hc[key], ic.compose_duration, expected, minimum=minimum)
    if "retries" not in hc:
        p.append(f"compose_healthcheck.retries: missing; expected an integer from 1 to {MAX_RETRIES}.")
    else:
        p.check(
            "compose_healthcheck.retries",
            hc["retries"],
            ic.count,
            f"an integer from 1 to {MAX_RETRIES}",
            low=1,
            high=MAX_RETRIES,
        )


def _healthcheck_tests(p, tests, services):
    if not _mapping(p, "compose_healthcheck_tests", tests):
        return
    _unknown_services(p, "compose_healthcheck_tests", tests, list(services))
    expected = (
        '["CMD", program, args...], ["CMD-SHELL", "command"] or ["NONE"], each a string without control characters'
    )
    for svc, test in tests.items():
        if svc not in services:
            continue
        where = f"compose_healthcheck_tests.{svc}"
        if services[svc].get("job"):
            p.append(f"{where}: {svc} is a one-shot job (its exit code is its health); expected no entry for it.")
            continue
        if not isinstance(test, (list, tuple)) or not test:
            p.add(where, test, "is not a non-empty list", expected)
            continue
        bad = [i for i, part in enumerate(test) if ic.text(part, empty=False)]
        if bad:
            i = bad[0]
            p.add(f"{where}[{i}]", test[i], ic.text(test[i], empty=False), expected)
        elif test[0] not in HEALTHCHECK_TEST_KINDS:
            p.add(f"{where}[0]", test[0], "is not a test kind", expected)
        elif (test[0] == "CMD" and len(test) < 2) or (test[0] == "CMD-SHELL" and len(test) != 2):
            p.add(where, test, f"has the wrong number of parts for {test[0]}", expected)


def _images(p, images, services):
    if not _mapping(p, "compose_images", images):
        return
    catalog = sorted({svc.get("image") for svc in services.values()})
    for key, ref in images.items():
        if key not in catalog:
            p.append(f"compose_images.{key}: unknown image; expected one of {', '.join(catalog)}.")
        elif ref is not None and ref != "":
            p.check(f"compose_images.{key}", ref, ic.image_reference, ic.EXPECTED_IMAGE)


def _app_settings(p, o):
    for var, role in (("compose_postgres_db", False), ("compose_postgres_user", True)):
        if var in o:
            p.check(
                var,
                o[var],
                ic.pg_identifier,
                "a PostgreSQL name: lowercase letters, digits and _, starting with a letter or _, at most 63"
                " bytes" + (', not starting with "pg_"' if role else ""),
                role=role,
            )
    for var, what in (
        ("compose_sms_public_url", "the address Twilio calls"),
        ("compose_otel_endpoint", "the OTLP endpoint"),
    ):
        if var in o:
            p.check(var, o[var], ic.http_url, f"{ic.EXPECTED_HTTP_URL} ({what}), or empty", allow_empty=True)
    numbers = o.get("compose_sms_numbers", {})
    if _mapping(p, "compose_sms_numbers", numbers):
        for number, user in numbers.items():
            key = number if isinstance(number, str) else str(number)
            if p.check("compose_sms_numbers key", number, ic.e164, ic.EXPECTED_E164):
                p.check(
                    f"compose_sms_numbers.{key}",
                    user,
                    _sms_user,
                    f"a user name of 1 to {MAX_SMS_USER} letters, digits and . _ @ -",
                )
    if "compose_worker_concurrency" in o:
        p.check(
            "compose_worker_concurrency",
            o["compose_worker_concurrency"],
            ic.count,
            f"an integer from 1 to {MAX_WORKER_CONCURRENCY}",
            low=1,
            high=MAX_WORKER_CONCURRENCY,
        )
    if "compose_log_max_size" in o:
        p.check(
            "compose_log_max_size",
            o["compose_log_max_size"],
            ic.compose_bytes,
            ic.EXPECTED_COMPOSE_BYTES + ", above 0",
            minimum=1,
        )
    if "compose_log_max_file" in o:
        p.check(
            "compose_log_max_file",
            o["compose_log_max_file"],
            ic.count,
            f"an integer from 1 to {MAX_LOG_FILES}",
            low=1,
            high=MAX_LOG_FILES,
        )


def _sms_user(value):
    problem = ic.text(value, empty=False)
    if problem:
        return problem
    if len(value) > MAX_SMS_USER:
        return f"is {len(value)} characters long"
    bad = sorted(set(value) - _SMS_USER_CHARS)
    return f"contains {' '.join(repr(c) for c in bad)}" if bad else None


def _seed_notes(p, notes):
    if not _list(p, "compose_seed_notes", notes):
        return
    titles = {}
    for i, note in enumerate(notes):
        where = f"compose_seed_notes[{i}]"
        if not _mapping(p, where, note):
            continue
        for key in note:
            if key not in SEED_NOTE_KEYS:
                p.append(f"{where}.{key}: unknown key; expected title and body.")
        for key in SEED_NOTE_KEYS:
            if key not in note:
                p.append(f"{where}.{key}: missing; expected a string.")
        if "title" in note and p.check(
            f"{where}.title", note["title"], _note_title, f"a single line of 1 to {MAX_NOTE_TITLE} characters"
        ):
            if note["title"] in titles:
                p.add(
                    f"{where}.title",
                    note["title"],
                    f"repeats compose_seed_notes[{titles[note['title']]}].title (the seed inserts a title once)",
                    "each title once",
                )
            titles.setdefault(note["title"], i)
        if "body" in note:
            p.check(
                f"{where}.body",
                note["body"],
                ic.text,
                "a string without control characters (a YAML block scalar adds a final line feed: use >- or |-)",
            )


def _note_title(value):
    problem = ic.text(value, empty=False)
    if problem:
        return problem
    return f"is {len(value)} characters long" if len(value) > MAX_NOTE_TITLE else None


def _swarm_settings(p, o, services):
    if "compose_update_parallelism" in o:
        p.check(
            "compose_update_parallelism",
            o["compose_update_parallelism"],
            ic.count,
            f"an integer from 1 to {MAX_UPDATE_PARALLELISM}",
            low=1,
            high=MAX_UPDATE_PARALLELISM,
        )
    if "compose_update_delay" in o:
        p.check("compose_update_delay", o["compose_update_delay"], ic.compose_duration, ic.EXPECTED_COMPOSE_DURATION)
    if "compose_update_monitor" in o:
        p.check(
            "compose_update_monitor",
            o["compose_update_monitor"],
            ic.compose_duration,
            ic.EXPECTED_COMPOSE_DURATION + ", above 0",
            minimum=0.001,
        )
    for var in (
        "compose_placement_constraints",
        "compose_data_placement_constraints",
        "compose_publish_placement_constraints",
    ):
        if _list(p, var, o.get(var, [])):
            for i, constraint in enumerate(o.get(var, [])):
                p.check(f"{var}[{i}]", constraint, ic.swarm_constraint, ic.EXPECTED_CONSTRAINT)
    versions = o.get("compose_secret_versions", {})
    if _mapping(p, "compose_secret_versions", versions):
        known = sorted(secret_names(services))
        _unknown_services(p, "compose_secret_versions", versions, known, what="secret")
        for key, version in versions.items():
            if key in known:
                p.check(
                    f"compose_secret_versions.{key}",
                    version,
                    ic.count,
                    f"an integer from 1 to {MAX_SECRET_VERSION}",
                    low=1,
                    high=MAX_SECRET_VERSION,
                )


def published_problems(document, ports):
    """Problems of the rendered compose document's published ports against what compose_ports asked.

    Each service publishes exactly its compose_ports entries, on the host address asked (none asked:
    every address); a port the inventory meant for one address never ends up on every address.
    """
    out = []
    services = (document or {}).get("services") or {}
    for name, svc in services.items():
        rendered = [
            (p.get("target"), p.get("published"), p.get("host_ip") or None) for p in (svc or {}).get("ports") or []
        ]
        wanted = [
            (ic.as_int(p["target"]), ic.as_int(p["published"]), p.get("host_ip") or None) for p in ports.get(name) or []
        ]
        if [(ic.as_int(t), ic.as_int(pub), ip) for t, pub, ip in rendered] != wanted:
            shown = ", ".join(f"{ip or 'every address'}:{pub}->{t}" for t, pub, ip in rendered) or "nothing"
            asked = ", ".join(f"{ip or 'every address'}:{pub}->{t}" for t, pub, ip in wanted) or "nothing"
            out.append(
                f"the rendered compose file publishes {shown} for {name}; compose_ports.{name} asks for {asked}."
            )
    return out


def secret_names(services):
    """Every secret a service reads."""
    names = []
    for svc in services.values():
        for s in svc.get("secrets") or {}:
            if s not in names:
                names.append(s)
    return names


def secret_problems(secrets, required):
    """Problems of compose_secrets: missing, not text, or with control characters or spaces around. Never a value."""
    if not isinstance(secrets, dict):
        return [f"compose_secrets is {ic._kind(secrets)}; expected a mapping of secret names to values."]
    problems = []
    for key in required:
        value = secrets.get(key)
        if not isinstance(value, str) or value == "":
            what = "not set" if key not in secrets else "empty" if value == "" else ic._kind(value)
            problems.append(f"compose_secrets.{key} has no value (it is {what})")
    for key, value in secrets.items():
        if not isinstance(value, str) or value == "":
            continue
        problem = ic.control_character(value)
        if problem is None and value != value.strip():
            problem = "begins or ends with a space"
        if problem:
            problems.append(f"compose_secrets.{key} {problem} (value not shown)")
    return problems


def plan(services, images, manifest_text="", manifest_path="", seed=False, monitoring="profile", optional=()):
    """The services to render and their image references.

    The offline_images manifest (``manifest_text``, its JSON; "" when absent) wins over ``images``
    (compose_images). Returns services (rendered, in order), default_services (what a plain `up` starts),
    jobs, long_running, images {service: ref}, default_images, image_refs {catalog name: ref},
    left_out (optional services without an image), missing (required ones without) and problems.
    """
    problems = []
    manifest = {}
    if manifest_text:
        try:
            manifest = json.loads(manifest_text).get("images", {})
            if not isinstance(manifest, dict):
                raise ValueError("images is not a mapping")
        except (ValueError, AttributeError) as exc:
            manifest = {}
            problems.append(
                f"the offline_images manifest {manifest_path} is not a manifest ({exc}); expected the"
                " JSON the offline_images role writes: run playbooks/images.yml again, or set"
                ' compose_images_manifest_path: "" to use compose_images only.'
            )
    refs = {}
    for svc in services.values():
        image = svc["image"]
        entry = manifest.get(image)
        ref = entry.get("ref") if isinstance(entry, dict) else None
        if ref:
            if ic.image_reference(ref):
                problems.append(
                    f"the offline_images manifest {manifest_path} gives {image} the reference"
                    f" {ic.show(ref)}, which {ic.image_reference(ref)}; expected {ic.EXPECTED_IMAGE}."
                )
        else:
            ref = (images or {}).get(image) or ""
        refs[image] = ref
    groups = ["core"] + (["seed"] if seed else []) + (list(PROFILE_GROUPS) if monitoring != "off" else [])
    wanted = [name for name, svc in services.items() if svc.get("group") in groups]
    missing = [
        f'service "{name}" (compose_images.{services[name]["image"]})'
        for name in wanted
        if name not in optional and not refs[services[name]["image"]]
    ]
    if missing:
        where = manifest_path or 'not read: compose_images_manifest_path is ""'
        problems.append(
            f"no image reference for {', '.join(missing)}; expected it in the offline_images manifest"
            f" ({where}; run playbooks/images.yml) or in compose_images in the inventory."
        )
    active = [name for name in wanted if refs[services[name]["image"]]]
    default = [
        name for name in active if not (monitoring == "profile" and services[name].get("group") in PROFILE_GROUPS)
    ]
    jobs = [name for name in active if services[name].get("job")]
    default_images = []
    for name in default:
        if refs[services[name]["image"]] not in default_images:
            default_images.append(refs[services[name]["image"]])
    return {
        "services": active,
        "default_services": default,
        "jobs": jobs,
        "long_running": [name for name in default if name not in jobs],
        "images": {name: refs[services[name]["image"]] for name in active},
        "default_images": default_images,
        "image_refs": refs,
        "left_out": [name for name in wanted if name not in active],
        "missing": missing,
        "problems": problems,
    }


def secret_files(services, active, env):
    """One secret file per secret and reading UID: [{name, uid, path}], sorted by path."""
    files = {}
    for name in active:
        svc = services[name]
        for secret in svc.get("secrets") or {}:
            path = f"secrets/{env}/{secret}.{svc['uid']}"
            files.setdefault(path, {"name": secret, "uid": svc["uid"], "path": path})
    return [files[path] for path in sorted(files)]


def config_files(files, env, active, by_service=None):
    """The env and config files under env/<env>/: [{path, content, config, validate}].

    ``files`` are the role's own ({name, content, config?, service?}: kept when no service is named or
    it runs); ``by_service`` maps a service to the files another role rendered for it (kept when it runs).
    """
    out = []
    sources = [(f.get("service"), f) for f in files]
    for service, extra in (by_service or {}).items():
        sources += [(service, f) for f in extra or []]
    for service, f in sources:
        if service and service not in active:
            continue
        out.append(
            {
                "path": f"env/{env}/{f['name']}",
                "content": f["content"],
                "config": f.get("config") or "",
                "validate": f.get("validate") or "",
            }
        )
    return out


def file_writes(rendered, validate=True):
    """The file_set list of the env/config files and, last, the compose file, each with its check."""
    out = [
        {
            "path": f["path"],
            "content": f["content"],
            "mode": "0644",
            "validate": f.get("validate", "") if validate else "",
        }
        for f in rendered["config_files"]
    ]
    check = ""
    if validate:
        check = f"docker compose --project-directory {shlex.quote(rendered['project_dir'])} --file %s config --quiet"
    out.append(
        {
            "path": rendered["compose_file"]["path"],
            "content": rendered["compose_file"]["content"],
            "mode": "0644",
            "validate": check,
        }
    )
    return out


def check_files(rendered, on_disk=False):
    """The compose and env/config files as the isolation check reads them.

    [{path, content}] (the rendered content), or with ``on_disk`` [{path}] under the project directory:
    the check reads what landed.
    """
    files = [rendered["compose_file"], *rendered["config_files"]]
    if on_disk:
        return [{"path": f"{rendered['project_dir']}/{f['path']}"} for f in files]
    return [{"path": f["path"], "content": f["content"]} for f in files]


def secret_writes(files, values, purpose="write"):
    """The secret files with their content: for file_set (owner, group) or for the isolation check (secret)."""
    out = []
    for f in files:
        entry = {"path": f["path"], "content": values[f["name"]], "mode": "0600"}
        if purpose == "write":
            entry.update(owner=str(f["uid"]), group=str(f["uid"]))
        else:
            entry["secret"] = True
        out.append(entry)
    return out

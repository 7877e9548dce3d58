# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Environment isolation verdicts for rendered compose, env and secret files.

Pure functions, no Ansible and no Docker. Every message names the environment,
the file and the variable, and never a secret's value.
"""

from __future__ import annotations

import re

# The same words the application refuses at start (assistant_app.config).
PLACEHOLDERS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "placeholder",
        "secret",
        "password",
        "example",
        "todo",
        "xxx",
        "dev",
        "test",
    }
)
PLACEHOLDER_PREFIXES = ("changeme", "change-me", "replace", "placeholder", "<", "vault_")
DEV_MARKERS = ("dev-only",)
# Shorter values are not searched for inside files: too many false matches.
MIN_SEARCH_LENGTH = 6
# Shortest secret accepted in stage and prod.
MIN_STRICT_LENGTH = 12
STRICT_ENVIRONMENTS = ("stage", "prod")
DATA_SERVICES = ("postgres", "redis")
TRUTHY = ("1", "true", "yes", "on")


def is_placeholder(value):
    v = value.strip().lower()
    return (
        v in PLACEHOLDERS
        or v.startswith(PLACEHOLDER_PREFIXES)
        or set(v) <= {"x", "*", "."}
        or (v.startswith("{{") and v.endswith("}}"))
    )


def is_secret_mode_ok(mode):
    """True when no one but the owner can read or write (e.g. 0600, 0400)."""
    return int(mode, 8) & 0o077 == 0


def parse_env_file(content):
    """KEY=VALUE lines of an env file, comments and blank lines skipped."""
    pairs = []
    for line in content.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _sep, value = line.partition("=")
        pairs.append((key.strip(), value.strip().strip("\"'")))
    return pairs


def _image_name(image):
    """'assistant/postgres:17' -> 'postgres'."""
    return str(image or "").rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]


def _service_environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        return [tuple(item.split("=", 1)) if "=" in item else (item, "") for item in env]
    return [(k, "" if v is None else str(v)) for k, v in env.items()]


def _dev_only_settings(pairs):
    """(variable, why) for every dev-only setting among KEY=VALUE pairs."""
    found = []
    for key, value in pairs:
        v = value.strip().lower()
        if key == "DEV_RELOAD" and v in TRUTHY:
            found.append((key, "enables hot reload (compose_dev_reload)"))
        elif key == "DEBUG" and v in TRUTHY:
            found.append((key, "enables debug mode"))
        elif key == "LOG_LEVEL" and v == "debug":
            found.append((key, "enables debug logging (compose_log_level)"))
    return found


def _check_compose(env, path, compose):
    problems = []
    services = (compose or {}).get("services") or {}
    for name, service in sorted(services.items()):
        service = service or {}
        if service.get("ports") and (name in DATA_SERVICES or _image_name(service.get("image")) in DATA_SERVICES):
            problems.append(
                f"{env}: {path} publishes service {name!r} (ports, variable compose_ports.{name}); "
                f"{env} must not publish PostgreSQL or Redis. Remove compose_ports.{name} from inventories/{env}."
            )
        for key, why in _dev_only_settings(_service_environment(service)):
            problems.append(
                f"{env}: {path} service {name!r} sets {key}, which {why}; that is for dev only. "
                f"Turn it off in inventories/{env}."
            )
        command = service.get("command") or []
        words = command.split() if isinstance(command, str) else [str(w) for w in command]
        for flag in ("--reload", "--debug"):
            if flag in words:
                problems.append(
                    f"{env}: {path} service {name!r} runs with {flag}; that is for dev only. "
                    f"Remove it from the command in inventories/{env}."
                )
        for volume in service.get("volumes") or []:
            if (
                isinstance(volume, dict)
                and volume.get("type") == "bind"
                and str(volume.get("target", "")).startswith("/src")
            ):
                problems.append(
                    f"{env}: {path} service {name!r} mounts source code at {volume['target']} (hot reload, "
                    f'variable compose_app_source_dir); that is for dev only. Set it to "" in inventories/{env}.'
                )
    return problems


def check(environments, dev_markers=DEV_MARKERS):
    """Return the list of isolation problems (empty when the environments are isolated).

    environments: list of {name, secrets: {variable: value}, compose: dict or None,
    files: [{path, content, mode: "0600" or None, secret: bool}]}.
    """
    problems = []
    envs = [
        {
            "name": e["name"],
            "secrets": {k: str(v) for k, v in (e.get("secrets") or {}).items() if v is not None},
            "files": e.get("files") or [],
            "compose": e.get("compose"),
        }
        for e in environments
    ]
    dev_values = {v for e in envs if e["name"] == "dev" for v in e["secrets"].values() if v}

    for e in envs:
        name = e["name"]
        # Placeholders and dev defaults outside dev.
        if name in STRICT_ENVIRONMENTS:
            for var, value in sorted(e["secrets"].items()):
                if not value.strip():
                    problems.append(
                        f"{name}: compose_secrets.{var} is empty; expected a real secret from Ansible Vault."
                    )
                elif is_placeholder(value):
                    problems.append(
                        f"{name}: compose_secrets.{var} holds a placeholder; expected a real secret from Ansible Vault "
                        f"(inventories/{name}/group_vars/all/vault.yml)."
                    )
                elif len(value) < MIN_STRICT_LENGTH:
                    problems.append(
                        f"{name}: compose_secrets.{var} is too short ({len(value)} characters); expected at least "
                        f"{MIN_STRICT_LENGTH} random characters from Ansible Vault."
                    )
                elif value in dev_values or any(m in value.lower() for m in dev_markers):
                    problems.append(
                        f"{name}: compose_secrets.{var} holds a dev default; expected a secret of its own from "
                        f"Ansible Vault (inventories/{name}/group_vars/all/vault.yml)."
                    )

        # The same value in two environments.
        for other in envs:
            if other["name"] <= name:
                continue
            for var, value in sorted(e["secrets"].items()):
                for ovar, ovalue in sorted(other["secrets"].items()):
                    if value and value == ovalue and not (other["name"] == "dev" or name == "dev"):
                        problems.append(
                            f"{name}: compose_secrets.{var} has the same value as {other['name']}'s "
                            f"compose_secrets.{ovar}; expected a different secret per environment."
                        )

        for f in e["files"]:
            path = f["path"]
            content = f.get("content") or ""
            own_secret_in_file = False
            for owner in envs:
                for var, value in sorted(owner["secrets"].items()):
                    if len(value) < MIN_SEARCH_LENGTH or value not in content:
                        continue
                    if owner["name"] != name:
                        problems.append(
                            f"{name}: {path} holds the value of {owner['name']}'s secret compose_secrets.{var}: "
                            f"configuration leaks from {owner['name']} into {name}. Give {name} its own value."
                        )
                    elif not f.get("secret"):
                        own_secret_in_file = True
                        problems.append(
                            f"{name}: {path} holds the value of compose_secrets.{var}; secrets belong in secret files "
                            f"referenced by *_FILE variables, never in compose or env files."
                        )
            mode = f.get("mode")
            if (f.get("secret") or own_secret_in_file) and mode is not None and not is_secret_mode_ok(str(mode)):
                problems.append(
                    f"{name}: {path} holds secrets and is readable by others than its owner (mode {mode}); "
                    "expected 0600."
                )
            if name in STRICT_ENVIRONMENTS and not f.get("secret") and path.endswith(".env"):
                for key, why in _dev_only_settings(parse_env_file(content)):
                    problems.append(
                        f"{name}: {path} sets {key}, which {why}; that is for dev only. "
                        f"Turn it off in inventories/{name}."
                    )

        if name in STRICT_ENVIRONMENTS and e["compose"] is not None:
            compose_path = next(
                (f["path"] for f in e["files"] if re.search(r"docker-compose[^/]*\.ya?ml$", f["path"])),
                "the compose file",
            )
            problems.extend(_check_compose(name, compose_path, e["compose"]))
    return problems

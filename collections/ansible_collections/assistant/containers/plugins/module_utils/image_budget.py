# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of the image budget check: image facts, forbidden paths and verdicts.

Nothing here talks to Docker; the module feeds it image inspect data and the
list of paths in the image, so every rule is unit-tested without an engine.
"""

from __future__ import annotations

import re

from ansible_collections.assistant.containers.plugins.module_utils.sizes import format_size

# Built-in forbidden content of a runtime image. Patterns are absolute globs:
# `*` and `?` stay inside one path segment, `**` spans any number of segments.
DEFAULT_FORBIDDEN = [
    {
        "name": "pip",
        "paths": [
            "/**/bin/pip",
            "/**/bin/pip[0-9]*",
            "/**/site-packages/pip",
            "/**/dist-packages/pip",
            "/usr/share/python-wheels/pip-*.whl",
            "/**/ensurepip/_bundled/pip-*.whl",
        ],
    },
    {
        "name": "setuptools",
        "paths": [
            "/**/site-packages/setuptools",
            "/**/dist-packages/setuptools",
            "/**/site-packages/pkg_resources",
            "/**/dist-packages/pkg_resources",
            "/usr/share/python-wheels/setuptools-*.whl",
            "/**/ensurepip/_bundled/setuptools-*.whl",
        ],
    },
    {
        "name": "wheel",
        "paths": [
            "/**/bin/wheel",
            "/**/site-packages/wheel",
            "/**/dist-packages/wheel",
            "/usr/share/python-wheels/wheel-*.whl",
        ],
    },
    {
        "name": "uv",
        "paths": [
            "/**/bin/uv",
            "/**/bin/uvx",
            "/**/site-packages/uv",
            "/**/dist-packages/uv",
        ],
    },
    {
        "name": "gcc",
        "paths": [
            "/**/bin/gcc",
            "/**/bin/gcc-[0-9]*",
            "/**/bin/*-gcc",
            "/**/bin/*-gcc-[0-9]*",
            "/**/bin/g++",
            "/**/bin/g++-[0-9]*",
            "/**/bin/*-g++",
            "/**/bin/*-g++-[0-9]*",
            "/usr/lib/gcc/*/*/cc1",
            "/usr/libexec/gcc/*/*/cc1",
        ],
    },
    {
        "name": "cc",
        "paths": [
            "/**/bin/cc",
            "/**/bin/c++",
            "/**/bin/c89",
            "/**/bin/c99",
            "/**/bin/clang",
            "/**/bin/clang-[0-9]*",
            "/**/bin/tcc",
        ],
    },
]

# Paths listed per violation; the full count is reported too.
MAX_REPORTED_PATHS = 10

_ROOT_USERS = ("", "root", "0")


class BudgetError(ValueError):
    """An option of the budget is malformed."""


def glob_to_regex(pattern):
    """Compile an absolute glob (``*``, ``?``, ``[...]``, ``**``) to a regex over absolute paths."""
    if not isinstance(pattern, str) or not pattern.startswith("/") or pattern == "/":
        raise BudgetError(
            f"forbidden path pattern: expected an absolute glob such as /**/bin/pip, found {pattern!r}. "
            'Start the pattern with "/".'
        )
    parts = []
    for segment in pattern.strip("/").split("/"):
        if segment == "":
            raise BudgetError(f'forbidden path pattern {pattern!r}: empty path segment ("//"); remove it.')
        if segment == "**":
            parts.append("(?:/[^/]+)*")
        else:
            parts.append("/" + _segment_to_regex(segment, pattern))
    return re.compile("^" + "".join(parts) + "$")


def _segment_to_regex(segment, pattern):
    out = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            if segment[i : i + 2] == "**":
                raise BudgetError(
                    f'forbidden path pattern {pattern!r}: "**" must be a whole path segment, as in /**/bin/pip.'
                )
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = segment.find("]", i + 1)
            if end == -1 or end == i + 1:
                raise BudgetError(f'forbidden path pattern {pattern!r}: unclosed or empty "[" character class.')
            body = segment[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def compile_forbidden(rules):
    """Validate a list of ``{name, paths}`` rules and compile their patterns."""
    compiled = []
    seen = set()
    for index, rule in enumerate(rules or []):
        if not isinstance(rule, dict) or not rule.get("name") or not rule.get("paths"):
            raise BudgetError(
                f'forbidden[{index}]: expected a mapping with a non-empty "name" and a non-empty list "paths", '
                f"found {rule!r}."
            )
        if rule["name"] in seen:
            raise BudgetError(
                f"forbidden[{index}]: the name {rule['name']!r} is used twice; give each rule its own name."
            )
        seen.add(rule["name"])
        compiled.append((rule["name"], [glob_to_regex(p) for p in rule["paths"]]))
    return compiled


def find_forbidden(paths, compiled_rules):
    """Return ``{rule name: sorted matching paths}`` for the rules that match any of ``paths``."""
    found = {}
    for path in paths:
        path = "/" + path.strip("/") if path.strip("/") else "/"
        for name, regexes in compiled_rules:
            if any(regex.match(path) for regex in regexes):
                found.setdefault(name, set()).add(path)
    return dict((name, sorted(matches)) for name, matches in found.items())


def normalize_archive_path(name):
    """Turn a member name of an exported file system (``./usr/bin/pip``) into ``/usr/bin/pip``."""
    name = name.strip()
    while name.startswith("./"):
        name = name[2:]
    name = name.strip("/")
    return "/" + name if name not in ("", ".") else "/"


def parse_required_labels(required):
    """``["a", "b=c"]`` -> ``[("a", None), ("b", "c")]``; a key is required, a value optional."""
    parsed = []
    for index, item in enumerate(required or []):
        if not isinstance(item, str):
            raise BudgetError(f'required_labels[{index}]: expected "key" or "key=value", found {item!r}.')
        key, sep, value = item.partition("=")
        key = key.strip()
        if not key:
            raise BudgetError(
                f'required_labels[{index}]: expected "key" or "key=value" with a non-empty key, found {item!r}.'
            )
        parsed.append((key, value if sep else None))
    return parsed


def user_is_root(user, passwd_text=None):
    """Tell whether the image's ``Config.User`` runs as UID 0.

    Returns True, False, or None when a user name cannot be resolved
    (``passwd_text`` missing or the name is not in it).
    """
    name = (user or "").split(":", 1)[0].strip()
    if name in _ROOT_USERS:
        return True
    if name.isdigit():
        return int(name) == 0
    if passwd_text is None:
        return None
    for line in passwd_text.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[0] == name:
            return fields[2].strip() == "0"
    return None


def healthcheck_of(config):
    """Return the image's health check as a dict, or None when it has none (or ``NONE``)."""
    check = (config or {}).get("Healthcheck") or {}
    test = check.get("Test") or []
    if not test or test[0] == "NONE":
        return None
    return {
        "test": test,
        "interval": check.get("Interval"),
        "timeout": check.get("Timeout"),
        "start_period": check.get("StartPeriod"),
        "start_interval": check.get("StartInterval"),
        "retries": check.get("Retries"),
    }


def image_facts(inspect, base_inspect=None, base_name=None):
    """Summarise image inspect data (and optionally the base image's) into the reported facts."""
    config = inspect.get("Config") or {}
    layers = (inspect.get("RootFS") or {}).get("Layers") or []
    size = inspect.get("Size")
    facts = {
        "id": inspect.get("Id"),
        "tags": inspect.get("RepoTags") or [],
        "size": size,
        "size_human": format_size(size),
        "layers": len(layers),
        "user": config.get("User") or "",
        "exposed_ports": sorted((config.get("ExposedPorts") or {}).keys()),
        "healthcheck": healthcheck_of(config),
        "labels": config.get("Labels") or {},
        "base_image": None,
    }
    if base_inspect is not None:
        base_layers = (base_inspect.get("RootFS") or {}).get("Layers") or []
        is_ancestor = layers[: len(base_layers)] == base_layers
        above = size - base_inspect.get("Size", 0) if is_ancestor else None
        facts["base_image"] = {
            "name": base_name,
            "id": base_inspect.get("Id"),
            "size": base_inspect.get("Size"),
            "is_ancestor": is_ancestor,
            "layers_above_base": len(layers) - len(base_layers) if is_ancestor else None,
        }
        facts["size_above_base"] = above
        facts["size_above_base_human"] = format_size(above)
    return facts


def _bytes_text(num, prefix=""):
    return f"{prefix}{format_size(num)} ({num} bytes)"


def _violation(check, expected, found, message):
    return {"check": check, "expected": expected, "found": found, "message": message}


def evaluate_budget(facts, budget, forbidden_found=None, root=None):
    """Compare image facts with a budget; return the list of violations (empty when within budget).

    ``budget`` keys: ``max_size`` and ``max_size_above_base`` (bytes or None),
    ``required_labels`` (parsed pairs), ``non_root`` and ``healthcheck_required`` (bool).
    ``root`` is the result of ``user_is_root`` for the image's user.
    """
    violations = []
    max_size = budget.get("max_size")
    if max_size is not None and facts["size"] > max_size:
        violations.append(
            _violation(
                "max_size",
                _bytes_text(max_size, "<= "),
                _bytes_text(facts["size"]),
                "image is {}, over the budget of {} by {}".format(
                    format_size(facts["size"]), format_size(max_size), format_size(facts["size"] - max_size)
                ),
            )
        )

    base = facts.get("base_image")
    if base is not None and not base["is_ancestor"]:
        violations.append(
            _violation(
                "base_image",
                "image built on {} ({})".format(base["name"], base["id"]),
                "the layers of {} are not a prefix of the image layers".format(base["name"]),
                f"image is not built on the base image {base['name']}; rebuild it FROM that base or fix base_image",
            )
        )
    max_above = budget.get("max_size_above_base")
    above = facts.get("size_above_base")
    if max_above is not None and above is not None and above > max_above:
        violations.append(
            _violation(
                "max_size_above_base",
                _bytes_text(max_above, "<= ") + f" above {base['name']}",
                _bytes_text(above),
                "image adds {} on top of {}, over the budget of {} by {}".format(
                    format_size(above), base["name"], format_size(max_above), format_size(above - max_above)
                ),
            )
        )

    labels = facts.get("labels") or {}
    for key, value in budget.get("required_labels") or []:
        if key not in labels or labels[key] in (None, ""):
            violations.append(
                _violation(
                    "required_labels",
                    "label {}{}".format(key, f"={value}" if value is not None else " set"),
                    f"label {key} missing",
                    f"image has no label {key}; add LABEL {key}=... to the Dockerfile",
                )
            )
        elif value is not None and labels[key] != value:
            violations.append(
                _violation(
                    "required_labels",
                    f"label {key}={value}",
                    f"label {key}={labels[key]}",
                    f"image label {key} is {labels[key]!r}, expected {value!r}",
                )
            )

    if budget.get("non_root"):
        user = facts.get("user") or ""
        if root is True:
            violations.append(
                _violation(
                    "non_root",
                    "a non-root USER",
                    f"USER {user!r} (root)" if user else "no USER (root)",
                    "image runs as root; add USER <uid> (for example 10001) to the Dockerfile",
                )
            )
        elif root is None:
            violations.append(
                _violation(
                    "non_root",
                    "a non-root USER",
                    f"USER {user!r} (not found in /etc/passwd)",
                    f"cannot tell whether user {user!r} is root; use a numeric USER such as 10001",
                )
            )

    if budget.get("healthcheck_required") and not facts.get("healthcheck"):
        violations.append(
            _violation(
                "healthcheck_required",
                "a HEALTHCHECK",
                "no health check",
                "image has no HEALTHCHECK; add one to the Dockerfile",
            )
        )

    for name, paths in sorted((forbidden_found or {}).items()):
        shown = paths[:MAX_REPORTED_PATHS]
        more = len(paths) - len(shown)
        violations.append(
            _violation(
                "forbidden",
                f"no {name} in the image",
                ", ".join(shown) + (f" (and {more} more)" if more else ""),
                f"image contains {name} ({shown[0]}); remove it from the runtime stage",
            )
        )
    return violations


def violations_message(image, violations):
    """One message for the failure: every violation with what was expected and what was found."""
    plural = "" if len(violations) == 1 else "s"
    lines = [f"Image {image} breaks its budget ({len(violations)} violation{plural}):"]
    for item in violations:
        lines.append(
            "- {}: {} (expected {}; found {})".format(item["check"], item["message"], item["expected"], item["found"])
        )
    lines.append("Fix the image or the budget, or set report_only=true to only report.")
    return "\n".join(lines)

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Grammar checks for inventory values that land in env, config and compose files.

Pure functions, no Ansible. Each check returns ``None`` when the value is accepted,
else a short phrase saying what is wrong with it ("contains a line feed (U+000A)
at character 10"). ``Problems`` turns such a phrase into the message a user acts
on: the variable, the value (never a secret's), the problem and what is accepted.

Every regular expression is applied with ``fullmatch``: ``$`` would accept a
final newline, which is exactly the mistake these checks are for.
"""

from __future__ import annotations

import ipaddress
import json
import re
from urllib.parse import urlsplit

# C0 controls, DEL, C1 controls and the Unicode line and paragraph separators:
# every character that ends a line somewhere (env files, YAML, nginx) or is invisible.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_NAMES = {
    0x00: "a NUL",
    0x09: "a tab",
    0x0A: "a line feed",
    0x0B: "a vertical tab",
    0x0C: "a form feed",
    0x0D: "a carriage return",
    0x1B: "an escape",
    0x7F: "a DEL",
    0x85: "a next-line",
    0x2028: "a line separator",
    0x2029: "a paragraph separator",
}
# The longest value shown in a message; longer ones are cut (a certificate, a pasted block).
_SHOWN_MAX = 80

_COMPOSE_PROJECT_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_PG_IDENTIFIER_RE = re.compile(r"[a-z_][a-z0-9_]*")
_PG_IDENTIFIER_MAX = 63
_E164_RE = re.compile(r"\+[1-9][0-9]{1,14}")
# Compose's durations (compose-spec: {value}{unit}, units us, ms, s, m, h, combinable: 1m30s).
_COMPOSE_DURATION_PART_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h)")
_COMPOSE_DURATION_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?(?:us|ms|s|m|h))+")
_DURATION_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
# Compose's byte values (compose-spec: {amount}{unit}, units b, k, m, g, kb, mb, gb; any case).
_COMPOSE_BYTES_RE = re.compile(r"([0-9]+)(b|k|m|g|kb|mb|gb)?", re.IGNORECASE)
_BYTE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}
# Prometheus durations (model.ParseDuration): units in this order, each at most once, or 0.
_PROM_DURATION_RE = re.compile(
    r"0|(?=[0-9])(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?"
)
_NGINX_SIZE_RE = re.compile(r"[0-9]+[kKmMgG]?")
_NGINX_TIME_RE = re.compile(r"[0-9]+(?:ms|s|m|h|d|w|M|y)?")
_DECIMAL_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_DIGITS_RE = re.compile(r"[0-9]+")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_SERVICE_HOST_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?")
# Docker's reference grammar (distribution/reference): [host[:port]/]path[:tag][@digest]. The first
# component is a registry host only with a dot, a port or as localhost; otherwise it is a lowercase path.
_DOMAIN_PART = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_IMAGE_REF_RE = re.compile(
    rf"(?:(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})+|localhost)(?::[0-9]+)?/|{_DOMAIN_PART}:[0-9]+/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)
# Swarm placement constraints: an attribute, == or !=, a value.
_CONSTRAINT_RE = re.compile(
    r"(?:node\.(?:id|hostname|role|platform\.os|platform\.arch|labels\.[A-Za-z0-9_.-]+)"
    r"|engine\.labels\.[A-Za-z0-9_.-]+)\s*(?:==|!=)\s*[^\s=!]+"
)

EXPECTED_PORT = "an integer from 1 to 65535"
EXPECTED_IP = (
    "an IPv4 or IPv6 address such as 127.0.0.1 or ::1 (without brackets), or no host_ip at all to publish on"
    " every interface"
)
EXPECTED_IMAGE = (
    "[registry[:port]/]name[:tag][@sha256:digest], a name of lowercase letters, digits and . _ - separators, a tag of"
    " letters, digits and _ . - (at most 128, not starting with . or -), nothing around it"
)
EXPECTED_COMPOSE_DURATION = "a Compose duration: numbers with the units us, ms, s, m or h, such as 10s, 1m30s or 1.5s"
EXPECTED_COMPOSE_BYTES = "a whole number with an optional unit b, k, m or g (kb, mb, gb too), such as 512m or 1g"
EXPECTED_PROM_DURATION = "a Prometheus duration such as 30s, 2m, 1h30m or 7d (units y w d h m s ms, in that order)"
EXPECTED_HTTP_URL = "an http:// or https:// URL with a host name, such as https://assistant.example.com"
EXPECTED_E164 = "a phone number in E.164 form: + then 2 to 15 digits, the first not 0 (e.g. +15550001), quoted in YAML"
EXPECTED_CONSTRAINT = (
    "a Swarm constraint such as node.role == manager, node.platform.os == linux or node.labels.NAME == VALUE"
)


def control_character(value, allow=""):
    """The first control character in ``value`` (outside ``allow``), described with its place; else None."""
    for match in _CONTROL_RE.finditer(value):
        char = match.group()
        if char in allow:
            continue
        code = ord(char)
        name = _CONTROL_NAMES.get(code, "a control character")
        where = (
            "at its end" if match.start() == len(value) - 1 and len(value) > 1 else f"at character {match.start() + 1}"
        )
        return f"contains {name} (U+{code:04X}) {where}"
    return None


def show(value):
    """A value as a message shows it: JSON-quoted (control characters visible), cut when long."""
    if isinstance(value, str):
        text = json.dumps(str(value), ensure_ascii=False)
    elif isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        text = json.dumps(value)
    elif isinstance(value, dict):
        text = "a mapping"
    elif isinstance(value, (list, tuple)):
        text = "a list"
    else:
        text = type(value).__name__
    if len(text) > _SHOWN_MAX:
        text = text[: _SHOWN_MAX - 4] + '..."'
    # A control character the JSON form keeps (U+2028, U+2029, C1) is shown escaped.
    return _CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class Problems(list):
    """The problems of a set of options, each a sentence naming the variable, the problem and what is accepted."""

    def add(self, variable, value, problem, expected, secret=False):
        shown = "" if secret else f" = {show(value)}"
        hidden = " (value not shown)" if secret else ""
        self.append(f"{variable}{shown}: {problem}{hidden}; expected {expected}.")

    def check(self, variable, value, check, expected, secret=False, **kwargs):
        """Run ``check(value, **kwargs)`` and record its problem, if any. True when the value was accepted."""
        problem = check(value, **kwargs)
        if problem:
            self.add(variable, value, problem, expected, secret)
        return problem is None


# Each check below: value in, None when accepted, else the problem as a phrase.


def text(value, allow="", empty=True):
    """A string with no control character (outside ``allow``)."""
    if not isinstance(value, str):
        return f"is {_kind(value)}, not a string"
    if not empty and value == "":
        return "is empty"
    return control_character(value, allow)


def name(value, pattern, max_length=None):
    """A string that ``pattern`` matches entirely."""
    problem = text(value, empty=False)
    if problem:
        return problem
    if value != value.strip():
        return "has spaces around it"
    if max_length and len(value.encode()) > max_length:
        return f"is {len(value.encode())} bytes long, more than {max_length}"
    if not pattern.fullmatch(value):
        return "is not of the accepted form"
    return None


def compose_project_name(value):
    return name(value, _COMPOSE_PROJECT_RE)


def pg_identifier(value, role=False):
    """A PostgreSQL name the app, the official image's entrypoint and the exporters use unquoted."""
    problem = name(value, _PG_IDENTIFIER_RE, _PG_IDENTIFIER_MAX)
    if problem:
        return problem
    if role and value.startswith("pg_"):
        return 'starts with "pg_", which PostgreSQL reserves for its own roles'
    return None


def e164(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return "is a number, not a string (YAML read the unquoted + as a sign and dropped it)"
    return name(value, _E164_RE)


def image_reference(value):
    return name(value, _IMAGE_REF_RE)


def hostname(value):
    problem = name(value, _HOSTNAME_RE, 253)
    return problem or (None if not value.replace(".", "").isdigit() else "is a number, not a host name")


def service_host(value):
    """A host name as Docker's DNS knows services (letters, digits, . _ -)."""
    return name(value, _SERVICE_HOST_RE, 253)


def swarm_constraint(value):
    return name(value, _CONSTRAINT_RE)


def http_url(value, allow_empty=False):
    """An http(s) URL with a host, no user:password, no whitespace."""
    if allow_empty and value == "":
        return None
    problem = text(value, empty=False)
    if problem:
        return problem
    if any(c.isspace() for c in value):
        return "contains a space"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        return f"is not a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f'has the scheme "{parts.scheme}"' if parts.scheme else "has no scheme"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "holds a user name or password, which would land in a plain file"
    if port == 0:
        return "has port 0"
    host = parts.hostname
    if host.startswith("[") or ":" in host:
        return None if _ip_problem(host.strip("[]")) is None else "has an invalid IPv6 address"
    if host.replace(".", "").isdigit():
        return None if _ip_problem(host) is None else f'has the host "{host}", which is not an IPv4 address'
    return None if _HOSTNAME_RE.fullmatch(host) else f'has the host "{host}", which is not a host name'


def _ip_problem(value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return "is not an IP address"
    return None


def ip_address(value):
    """An IPv4 or IPv6 address as Docker's port binding takes it (no brackets, no zone)."""
    problem = text(value, empty=False)
    if problem:
        return problem
    if value != value.strip():
        return "has spaces around it"
    if value.startswith("["):
        return "is in brackets"
    if "%" in value:
        return "has a zone index (%), which Docker does not take"
    return _ip_problem(value)


def port(value):
    return count(value, 1, 65535)


def count(value, low, high=None):
    """A whole number from ``low`` to ``high`` (an int, or a string of digits)."""
    number = as_int(value)
    if number is None:
        return f"is {_kind(value)}, not a whole number"
    if number < low or (high is not None and number > high):
        return "is out of range"
    return None


def as_int(value):
    """The int a count stands for, or None (booleans and digits with anything around them are not counts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS_RE.fullmatch(value):
        return int(value)
    return None


def as_number(value):
    """The float a decimal number stands for, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _DECIMAL_RE.fullmatch(value):
        return float(value)
    return None


def number(value, low=None, high=None, low_open=False, high_open=False):
    """A decimal number within bounds (each bound closed unless ``*_open``)."""
    n = as_number(value)
    if n is None:
        return f"is {_kind(value)}, not a number"
    if low is not None and (n < low or (low_open and n == low)):
        return "is out of range"
    if high is not None and (n > high or (high_open and n == high)):
        return "is out of range"
    return None


def compose_seconds(value):
    """Seconds a Compose duration stands for, or None when it is not one."""
    if not isinstance(value, str) or not _COMPOSE_DURATION_RE.fullmatch(value):
        return None
    return sum(float(n) * _DURATION_UNITS[u] for n, u in _COMPOSE_DURATION_PART_RE.findall(value))


def compose_duration(value, minimum=0.0):
    """A Compose duration of at least ``minimum`` seconds."""
    problem = text(value, empty=False)
    if problem:
        return problem
    seconds = compose_seconds(value)
    if seconds is None:
        return "is not a duration"
    if seconds < minimum:
        return "is too short" if seconds else "is zero"
    return None


def compose_bytes_value(value):
    """Bytes a Compose byte value stands for, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if not isinstance(value, str):
        return None
    match = _COMPOSE_BYTES_RE.fullmatch(value)
    if not match:
        return None
    return int(match.group(1)) * _BYTE_UNITS[(match.group(2) or "").lower()]


def compose_bytes(value, minimum=0):
    """A Compose byte value of at least ``minimum`` bytes."""
    problem = None if isinstance(value, int) and not isinstance(value, bool) else text(value, empty=False)
    if problem:
        return problem
    amount = compose_bytes_value(value)
    if amount is None:
        return "is not a size"
    if amount < minimum:
        return "is too small" if amount else "is zero"
    return None


def prom_duration(value, positive=False):
    problem = name(value, _PROM_DURATION_RE)
    if problem:
        return problem.replace("is not of the accepted form", "is not a duration")
    if positive and not re.search(r"[1-9]", value):
        return "is zero"
    return None


def nginx_size(value):
    return _renamed(name(str(value) if isinstance(value, int) else value, _NGINX_SIZE_RE), "is not a size")


def nginx_time(value):
    return _renamed(name(value, _NGINX_TIME_RE), "is not a time")


def absolute_path(value, allow_empty=False):
    if allow_empty and value == "":
        return None
    problem = text(value, empty=False)
    if problem:
        return problem
    if not value.startswith("/"):
        return "is not an absolute path"
    return None


def _renamed(problem, instead):
    return instead if problem == "is not of the accepted form" else problem


def _kind(value):
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the pristine scenario: a `make deploy`'s PLAY RECAP, apt's list suites, a CA bundle's certificates."""

from __future__ import annotations

_RECAP_KEYS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
_PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
_PEM_END = "-----END CERTIFICATE-----"


def play_recap(output):
    """Per-host counts of the last PLAY RECAP in ansible-playbook's output: {host: {ok, changed, ...}}.

    The default callback prints, after "PLAY RECAP", one line per host (``host : ok=N changed=N ...``)
    and then a blank line. Returns {} when the output has no recap (the run never finished).
    """
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("PLAY RECAP")]
    if not starts:
        return {}
    hosts = {}
    for line in lines[starts[-1] + 1 :]:
        host, sep, counts = line.partition(" : ")
        if not sep or not host.strip():
            break
        stats = {}
        for field in counts.split():
            key, eq, value = field.partition("=")
            if eq and key in _RECAP_KEYS and value.isdigit():
                stats[key] = int(value)
        if set(stats) != set(_RECAP_KEYS):
            break
        hosts[host.strip()] = stats
    return hosts


def recap_total(recap, key):
    """The sum of one count (``changed``, ``failed``...) over every host of a recap."""
    return sum(stats.get(key, 0) for stats in recap.values())


def list_suites(names):
    """The suites apt holds lists for, from file names in /var/lib/apt/lists (``..._dists_SUITE_InRelease``)."""
    suites = set()
    for name in names:
        base = name.rsplit("/", 1)[-1]
        for suffix in ("_InRelease", "_Release"):
            if base.endswith(suffix) and "_dists_" in base:
                suites.add(base[: -len(suffix)].rsplit("_dists_", 1)[1])
    return sorted(suites)


def pem_certificates(bundle):
    """The certificates of a PEM bundle, each as a PEM block wrapped at 64 columns (comments dropped), to compare."""
    certs = []
    body = None
    for raw in bundle.splitlines():
        line = raw.strip()
        if line == _PEM_BEGIN:
            body = []
        elif line == _PEM_END and body is not None:
            data = "".join(body)
            wrapped = [data[i : i + 64] for i in range(0, len(data), 64)]
            certs.append("\n".join([_PEM_BEGIN, *wrapped, _PEM_END]) + "\n")
            body = None
        elif body is not None and line:
            body.append(line)
    return certs


class FilterModule:
    def filters(self):
        return {
            "pristine_play_recap": play_recap,
            "pristine_recap_total": recap_total,
            "pristine_pem_certificates": pem_certificates,
            "pristine_list_suites": list_suites,
        }

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The image_build role's decisions, as plain functions over plain data.

The image's version and tags, the build's input fingerprint (whether the tags already name an
image of these inputs, so that nothing is built), whether recorded gate results can be reused,
and each gate's verdict from its tool's JSON report. ``image_build_info`` and the filters of
``plugins/filter/image_build.py`` call these; nothing here talks to Docker.

A finding is {"gate", "status" (passed, failed or not_checked), "critical", "summary", "details"}.
"""

from __future__ import annotations

import hashlib
import json
import re

INPUTS_LABEL = "io.assistant.image-build.inputs"
HADOLINT_LEVELS = ["error", "warning", "info", "style"]
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")

# The first version key of pyproject.toml's [project] table, for Pythons without tomllib.
_VERSION = re.compile(r'(?ms)^\[project\][^\[]*?^version\s*=\s*"([^"]+)"')


def pyproject_version(text):
    """The version in the [project] table of a pyproject.toml ("" when absent or unreadable)."""
    try:
        import tomllib
    except ImportError:
        match = _VERSION.search(text)
        return match.group(1) if match else ""
    try:
        version = tomllib.loads(text).get("project", {}).get("version", "")
    except tomllib.TOMLDecodeError:
        return ""
    return version if isinstance(version, str) else ""


def parse_git_log(text):
    """{revision, created, source_date_epoch} of ``git log -1 --format=%h%n%cI%n%ct`` (None when not 3 lines)."""
    lines = text.strip().splitlines()
    if len(lines) != 3:
        return None
    return {"revision": lines[0], "created": lines[1], "source_date_epoch": lines[2]}


def image_result(repository, version, git, environment, base_image):
    """``image_build_result`` before the build: version, revision (``-dirty`` when uncommitted), tags and refs."""
    revision = git["revision"] + ("-dirty" if git.get("dirty") else "")
    tags = []
    for tag in (version, revision, environment):
        if tag and tag not in tags:
            tags.append(tag)
    return {
        "repository": repository,
        "version": version,
        "revision": revision,
        "environment": environment,
        "created": git["created"],
        "source_date_epoch": git["source_date_epoch"],
        "tags": tags,
        "refs": [f"{repository}:{tag}" for tag in tags],
        "base_image": base_image,
    }


def build_fingerprint(context_digest, target, base_id, args):
    """SHA-256 of everything a build depends on: the context and Dockerfile, the target, the base image, the args."""
    doc = {"context": context_digest, "target": target, "base": base_id or "", "args": args}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode("utf-8")).hexdigest()


def build_state(refs, images, fingerprint):
    """{"current", "id", "before"}: whether every ref names one image that carries ``fingerprint``.

    ``images``: {ref: {"id", "labels"}} for the refs found in the engine. ``before``: {ref: ID or None}.
    """
    before = {ref: (images.get(ref) or {}).get("id") for ref in refs}
    ids = set(before.values())
    first = images.get(refs[0]) if refs else None
    current = (
        bool(refs)
        and len(ids) == 1
        and None not in ids
        and ((first or {}).get("labels") or {}).get(INPUTS_LABEL) == fingerprint
    )
    return {"current": current, "id": first["id"] if current else "", "before": before}


def gate_key(image_id, inputs, settings):
    """The key under which gate results are recorded: the image, its build inputs' checksums and the gate settings."""
    doc = {"image": image_id, "inputs": inputs, **settings}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode("utf-8")).hexdigest()


def gate_reuse(previous, key, now, reuse_seconds):
    """{"reuse", "at", "findings"}: reuse the recorded results when the key matches and they are young enough."""
    gated = (previous or {}).get("gated") or {}
    reuse = reuse_seconds > 0 and gated.get("key") == key and now - float(gated.get("at") or 0) < reuse_seconds
    if reuse:
        return {"reuse": True, "at": int(gated["at"]), "findings": list(gated.get("findings") or [])}
    return {"reuse": False, "at": int(now), "findings": []}


def _finding(gate, status, critical, summary, details=()):
    return {"gate": gate, "status": status, "critical": bool(critical), "summary": summary, "details": list(details)}


def _json(text, opening):
    """The JSON document of a tool's output when it starts with ``opening`` (``[`` or ``{``), else None."""
    text = (text or "").strip()
    if not text or text[0] not in opening:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _last_line(text, limit=300):
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return (lines[-1] if lines else "")[:limit]


def hadolint_finding(result, threshold, unchecked_is_critical):
    """The hadolint gate's verdict from ``hadolint --format json --no-fail``'s result (rc, stdout, stderr)."""
    report = _json(result.get("stdout"), "[") if result.get("rc") == 0 else None
    if report is None:
        summary = f"hadolint did not run (exit {result.get('rc')}): {(result.get('stderr') or '')[:300]}"
        return _finding("hadolint", "not_checked", unchecked_is_critical, summary)
    levels = HADOLINT_LEVELS[: HADOLINT_LEVELS.index(threshold) + 1]
    critical = [f for f in report if f.get("level") in levels]
    details = [f"{f.get('level')} {f.get('code')} at line {f.get('line')}: {f.get('message')}" for f in report]
    summary = f'{len(report)} finding(s), {len(critical)} at or above "{threshold}"'
    return _finding("hadolint", "failed" if critical else "passed", critical, summary, details)


def checkov_finding(result, skip, unchecked_is_critical):
    """The checkov gate's verdict from ``checkov --output json``'s result; ``skip``: [{id, why}] skipped checks."""
    raw = _json(result.get("stdout"), "[{")
    if raw is None:
        summary = f"NOT CHECKED: checkov gave no report (exit {result.get('rc')}): {_last_line(result.get('stderr'))}"
        return _finding("checkov", "not_checked", unchecked_is_critical, summary)
    reports = [raw] if isinstance(raw, dict) else raw
    failed = [c for r in reports for c in ((r.get("results") or {}).get("failed_checks") or [])]
    passed = sum(int((r.get("summary") or {}).get("passed") or 0) for r in reports)
    summary = f"{passed} passed, {len(failed)} failed"
    if skip:
        summary += ", skipped: " + ", ".join(s["id"] for s in skip)
    details = [
        f"{c.get('check_id')} {c.get('check_name')} (lines {'-'.join(str(n) for n in c.get('file_line_range') or [])})"
        for c in failed
    ]
    return _finding("checkov", "failed" if failed else "passed", failed, summary, details)


def pip_audit_finding(result, service, unchecked_is_critical):
    """The dependency audit's verdict from ``pip-audit --format json``'s result."""
    report = _json(result.get("stdout"), "{")
    if report is None:
        summary = (
            f"NOT CHECKED: pip-audit failed (exit {result.get('rc')}) before auditing anything: "
            f"{_last_line(result.get('stderr'))}"
        )
        return _finding("pip_audit", "not_checked", unchecked_is_critical, summary)
    deps = report.get("dependencies") or []
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if "skip_reason" in d]
    unchecked = bool(skipped)
    summary = (
        f"{len(deps) - len(skipped)} of {len(deps)} locked dependencies audited ({service} service), "
        f"{len(vulnerable)} with known vulnerabilities"
    )
    if skipped:
        summary += f"; NOT CHECKED: {len(skipped)} could not be audited"
        if len(skipped) == len(deps):
            summary += " (the vulnerability service is unreachable or does not answer from here: nothing was audited)"
    details = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            aliases = f" ({', '.join(vuln['aliases'])})" if vuln.get("aliases") else ""
            if vuln.get("fix_versions"):
                advice = (
                    f"; fixed in {', '.join(vuln['fix_versions'])}: raise it with uv lock --upgrade-package "
                    f"{dep['name']} in app/, then make lock"
                )
            else:
                advice = "; no fixed version yet: remove or replace the package"
            details.append(f"{dep['name']} {dep.get('version')}: {vuln.get('id')}{aliases}{advice}")
    if skipped:
        other = "osv" if service == "pypi" else "pypi"
        names = ", ".join(d.get("name", "?") for d in skipped)[:400]
        details.append(
            f"not audited: {names} (first reason: {skipped[0]['skip_reason']}). Run the build where the {service} "
            f"vulnerability service is reachable, or try image_build_pip_audit_service={other}."
        )
    status = "failed" if vulnerable else ("not_checked" if unchecked else "passed")
    critical = bool(vulnerable) or (unchecked and unchecked_is_critical)
    return _finding("pip_audit", status, critical, summary, details)


def budget_finding(result, budget):
    """The budget gate's verdict from image_budget_info's result (report_only)."""
    image = result.get("image") or {}
    size = (image.get("size") or 0) / 1e6
    above = (image.get("size_above_base") or 0) / 1e6
    violations = result.get("violations") or []
    summary = (
        f"{size:.1f} MB ({above:.1f} MB above the base), {len(violations)} violation(s) of max "
        f"{budget.get('max_size', '-')}, {budget.get('max_size_above_base', '-')} above base"
    )
    passed = bool(result.get("passed"))
    return _finding("budget", "passed" if passed else "failed", not passed, summary, [v["message"] for v in violations])


def os_updates_finding(report, security_mirror, unchecked_is_critical):
    """The OS update gate's verdict from image_os_updates_info's result (``checked``, ``why``, ``pending``...)."""
    if not report.get("checked"):
        summary = f"NOT CHECKED: {report.get('why') or 'the check did not run'}"
        return _finding("os_updates", "not_checked", unchecked_is_critical, summary)
    pending = report.get("pending") or []
    summary = (
        f"{len(pending)} pending security update(s) against the security index of "
        f"{report.get('index_date') or '?'} ({security_mirror})"
    )
    details = [
        f"{p['package']} {p['installed']} -> {p['candidate']}: rebuild the base image with the security suite "
        "(offline_images), or upgrade it in the Dockerfile"
        for p in pending
    ]
    return _finding("os_updates", "failed" if pending else "passed", pending, summary, details)


def report_lines(refs, image_id, findings):
    """The gate report: the image, then per gate its verdict and details."""
    lines = [f"Image {', '.join(refs)} ({(image_id or '')[7:19]})"]
    for f in findings:
        lines.append(
            f"{'CRITICAL ' if f['critical'] else ''}{f['gate']}: {f['status'].upper()} - {f['summary'].strip()}"
        )
        lines.extend("    " + d for d in f["details"])
    return lines

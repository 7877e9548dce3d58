# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The image_build role's decisions as filters; the logic lives in module_utils/image_build.py.

Each filter is documented in the YAML file of the same name beside this one.
"""

from __future__ import annotations

from ansible_collections.assistant.containers.plugins.module_utils import image_build as ib


def image_build_fingerprint(info, target, args):
    return ib.build_fingerprint(info["context_digest"], target, info["base"]["id"], args)


def image_build_state(info, refs, fingerprint):
    return ib.build_state(refs, info["images"], fingerprint)


def image_build_gate_key(image_id, inputs, settings):
    return ib.gate_key(image_id, inputs, settings)


def image_build_gate_reuse(previous, key, now, reuse_seconds):
    return ib.gate_reuse(previous, key, float(now), int(reuse_seconds))


def image_build_hadolint_finding(result, threshold, unchecked_is_critical):
    return ib.hadolint_finding(result, threshold, bool(unchecked_is_critical))


def image_build_checkov_finding(result, skip, unchecked_is_critical):
    return ib.checkov_finding(result, skip, bool(unchecked_is_critical))


def image_build_pip_audit_finding(result, service, unchecked_is_critical):
    return ib.pip_audit_finding(result, service, bool(unchecked_is_critical))


def image_build_budget_finding(result, budget):
    return ib.budget_finding(result, budget)


def image_build_os_updates_finding(report, security_mirror, unchecked_is_critical):
    return ib.os_updates_finding(report, security_mirror, bool(unchecked_is_critical))


def image_build_report(findings, refs, image_id):
    return ib.report_lines(refs, image_id, findings)


class FilterModule:
    def filters(self):
        return {
            "image_build_fingerprint": image_build_fingerprint,
            "image_build_state": image_build_state,
            "image_build_gate_key": image_build_gate_key,
            "image_build_gate_reuse": image_build_gate_reuse,
            "image_build_hadolint_finding": image_build_hadolint_finding,
            "image_build_checkov_finding": image_build_checkov_finding,
            "image_build_pip_audit_finding": image_build_pip_audit_finding,
            "image_build_budget_finding": image_build_budget_finding,
            "image_build_os_updates_finding": image_build_os_updates_finding,
            "image_build_report": image_build_report,
        }

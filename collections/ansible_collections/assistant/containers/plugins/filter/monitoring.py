# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The monitoring role's decisions as filters; the logic and its tests are in module_utils/monitoring_config.py."""

from __future__ import annotations

import yaml
from ansible_collections.assistant.containers.plugins.module_utils import monitoring_config


def monitoring_problems(options):
    return monitoring_config.problems(options)


def monitoring_gate_problems(options):
    return monitoring_config.gate_problems(options)


def monitoring_files(specs, contents, services, image, config_dir, docker_cli="docker", validate=True):
    return monitoring_config.files(specs, contents, services, image, config_dir, docker_cli, validate)


def monitoring_schema_problems(files):
    """Parse each rendered file (YAML, of which JSON is a part) and check it; a file that does not parse is one."""
    docs, texts, problems = {}, {}, []
    for f in files:
        texts[f["name"]] = f["content"]
        try:
            docs[f["name"]] = yaml.safe_load(f["content"])
        except yaml.YAMLError as exc:
            problems.append(f"{f['name']}: not YAML ({str(exc).splitlines()[0]}).")
    return problems + monitoring_config.schema_problems(docs, texts)


def monitoring_gate_verdict(results, window):
    return monitoring_config.gate_verdict(results, window)


class FilterModule:
    """The monitoring role's filters."""

    def filters(self):
        return {
            "monitoring_problems": monitoring_problems,
            "monitoring_gate_problems": monitoring_gate_problems,
            "monitoring_files": monitoring_files,
            "monitoring_schema_problems": monitoring_schema_problems,
            "monitoring_gate_verdict": monitoring_gate_verdict,
        }

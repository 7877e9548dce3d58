# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter plugins: each is a thin, documented shell over module_utils (tested there)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
import yaml
from ansible_collections.assistant.containers.plugins.filter import compose, monitoring, proxy

FILTER_DIR = Path(compose.__file__).parent
FILTERS = {name: f for module in (compose, monitoring, proxy) for name, f in module.FilterModule().filters().items()}


def test_the_roles_filter_files_are_loaded():
    modules = {p.stem for p in FILTER_DIR.glob("*.py")}
    assert {"compose", "monitoring", "proxy"} <= modules


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filter_is_documented_with_its_signature(name):
    doc = yaml.safe_load((FILTER_DIR / f"{name}.yml").read_text())
    documentation = doc["DOCUMENTATION"]
    assert documentation["name"] == name
    assert doc["EXAMPLES"].strip() and doc["RETURN"]["_value"]["description"]
    params = list(inspect.signature(FILTERS[name]).parameters.values())
    named = [p.name for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
    assert set(documentation["options"]) == {"_input", *named[1:]}
    assert [s.strip() for s in documentation["positional"].split(",")][1:] == named[
        1 : len(documentation["positional"].split(","))
    ]


def test_every_doc_file_of_these_roles_has_its_filter():
    docs = {p.stem for p in FILTER_DIR.glob("*.yml") if p.stem.startswith(("compose_", "proxy_", "monitoring_"))}
    assert docs == set(FILTERS)


def test_monitoring_schema_problems_parses_yaml_and_json():
    files = [
        {"name": "grafana-dashboard-platform.json", "content": json.dumps({"uid": "p"})},
        {"name": "loki.yml", "content": "server: [unclosed"},
    ]
    found = monitoring.monitoring_schema_problems(files)
    assert found[0].startswith("loki.yml: not YAML (")
    assert "grafana-dashboard-platform.json: no title." in found


def test_compose_config_files_takes_other_roles_files_by_service():
    files = compose.compose_config_files(
        [{"name": "app.env", "content": ""}], "dev", ["nginx"], nginx=[{"name": "nginx.conf", "content": "x"}]
    )
    assert [f["path"] for f in files] == ["env/dev/app.env", "env/dev/nginx.conf"]

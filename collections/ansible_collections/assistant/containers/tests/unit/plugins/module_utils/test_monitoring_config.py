# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml
from ansible_collections.assistant.containers.plugins.module_utils import monitoring_config as mc

_ROLE = Path(__file__).resolve().parents[4] / "roles" / "monitoring"
_DEFAULTS = yaml.safe_load((_ROLE / "defaults" / "main.yml").read_text())
_VARS = yaml.safe_load((_ROLE / "vars" / "main.yml").read_text())
GOOD = {
    **{k: v for k, v in _DEFAULTS.items() if k in _VARS["_monitoring_option_names"]},
    "monitoring_env": "prod",
    "monitoring_config_dir": "/opt/assistant/env/prod",
    "monitoring_services": ["api", "prometheus", "grafana"],
}
GATE = {
    **{k: v for k, v in _DEFAULTS.items() if k in _VARS["_monitoring_gate_option_names"]},
    "monitoring_gate_project": "assistant-stage",
}


def test_every_option_is_listed():
    listed = set(_VARS["_monitoring_option_names"]) | set(_VARS["_monitoring_gate_option_names"])
    assert listed == set(_DEFAULTS) - {"monitoring_validate"}


def test_good_options_are_accepted():
    assert mc.problems(GOOD) == []
    assert mc.gate_problems(GATE) == []
    assert (
        mc.gate_problems({**GATE, "monitoring_gate_url": "http://127.0.0.1:9090", "monitoring_gate_revision": "a1b2"})
        == []
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"monitoring_alert_down_for": "one minute"}, 'monitoring_alert_down_for = "one minute": is not a duration'),
        ({"monitoring_alert_down_for": "1m\n"}, 'monitoring_alert_down_for = "1m\\n": contains a line feed'),
        ({"monitoring_scrape_interval": "0s"}, 'monitoring_scrape_interval = "0s": is zero'),
        ({"monitoring_evaluation_interval": "15"}, 'monitoring_evaluation_interval = "15": is not a duration'),
        ({"monitoring_loki_retention": "7 days"}, "monitoring_loki_retention"),
        ({"monitoring_alert_5xx_ratio": 5}, "monitoring_alert_5xx_ratio = 5: is out of range; expected a ratio"),
        ({"monitoring_alert_5xx_ratio": 0}, "monitoring_alert_5xx_ratio = 0: is out of range"),
        ({"monitoring_alert_disk_free_ratio": 1.0}, "monitoring_alert_disk_free_ratio = 1.0: is out of range"),
        ({"monitoring_alert_p95_seconds": 0}, "monitoring_alert_p95_seconds = 0"),
        ({"monitoring_alert_queue_depth": 0}, "monitoring_alert_queue_depth = 0: is out of range"),
        ({"monitoring_queue_key": 'celery"} or vector(1)'}, "monitoring_queue_key"),
        ({"monitoring_queue_key": "celery\n"}, 'monitoring_queue_key = "celery\\n"'),
        ({"monitoring_docker_log_dir": "var/lib/docker"}, "monitoring_docker_log_dir"),
        ({"monitoring_image": "Prometheus"}, 'monitoring_image = "Prometheus"'),
        ({"monitoring_services": ["api\n"]}, "monitoring_services[0]"),
        ({"monitoring_env": "prod\n"}, "monitoring_env"),
    ],
)
def test_bad_option_is_refused(overrides, expected):
    found = mc.problems({**GOOD, **overrides})
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"monitoring_gate_window": "2 minutes"}, 'monitoring_gate_window = "2 minutes": is not a duration'),
        ({"monitoring_gate_window": "0s"}, 'monitoring_gate_window = "0s": is zero'),
        ({"monitoring_gate_max_5xx_ratio": 1}, "monitoring_gate_max_5xx_ratio = 1: is out of range"),
        ({"monitoring_gate_max_p95_seconds": 0}, "monitoring_gate_max_p95_seconds = 0"),
        ({"monitoring_gate_services": []}, "monitoring_gate_services = a list: is empty or not a list"),
        ({"monitoring_gate_services": ['api"}']}, "monitoring_gate_services[0]"),
        ({"monitoring_gate_settle": -1}, "monitoring_gate_settle = -1"),
        ({"monitoring_gate_revision": 'abc"} or vector(1)'}, "monitoring_gate_revision"),
        ({"monitoring_gate_url": "127.0.0.1:9090"}, 'monitoring_gate_url = "127.0.0.1:9090"'),
        ({"monitoring_gate_project": "Assistant"}, 'monitoring_gate_project = "Assistant"'),
    ],
)
def test_bad_gate_option_is_refused(overrides, expected):
    found = mc.gate_problems({**GATE, **overrides})
    assert any(expected in p for p in found), found


def test_files_pair_specs_and_contents_and_check_prometheus():
    specs = _VARS["_monitoring_file_specs"]
    contents = [f"content of {s['name']}" for s in specs]
    files = mc.files(specs, contents, ["prometheus", "grafana"], "assistant/prometheus:2.53", "/opt/a b/env/dev")
    by_name = {f["name"]: f for f in files}
    assert [f["name"] for f in files] == [s["name"] for s in specs]
    assert by_name["alerts.yml"]["content"] == "content of alerts.yml"
    assert by_name["grafana-datasources.yml"]["config"] == "grafana_datasources"
    assert by_name["loki.yml"]["config"] == ""  # loki does not run
    assert by_name["promtail.yml"]["validate"] == "" and by_name["loki.yml"]["validate"] == ""
    assert shlex.split(by_name["alerts.yml"]["validate"]) == [
        "docker", "run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "promtool",
        "-v", "%s:/rules.yml:ro", "assistant/prometheus:2.53", "check", "rules", "/rules.yml",
    ]  # fmt: skip
    assert "/opt/a b/env/dev/alerts.yml:/etc/prometheus/rules/alerts.yml:ro" in shlex.split(
        by_name["prometheus.yml"]["validate"]
    )
    unchecked = mc.files(specs, contents, [], "p:1", "/x", validate=False)
    assert {f["validate"] for f in unchecked} == {""}
    with pytest.raises(ValueError, match="7 file specs but 1 rendered contents"):
        mc.files(specs, ["x"], [], "p:1", "/x")


DATASOURCES = {
    "datasources": [
        {"name": "Prometheus", "uid": "prom", "type": "prometheus", "access": "proxy", "url": "http://prometheus:9090"},
        {"name": "Loki", "uid": "loki", "type": "loki", "access": "proxy", "url": "http://loki:3100"},
        {"name": "Jaeger", "uid": "jaeger", "type": "jaeger", "access": "proxy", "url": "http://jaeger:16686"},
    ]
}
PANEL = {
    "id": 1,
    "type": "timeseries",
    "title": "Requests",
    "datasource": {"uid": "prom"},
    "gridPos": {},
    "targets": [{"expr": "up", "datasource": {"uid": "prom"}}],
}
GOOD_DOCS = {
    "grafana-datasources.yml": DATASOURCES,
    "grafana-dashboard-platform.json": {"uid": "p", "title": "P", "schemaVersion": 39, "panels": [PANEL]},
    "grafana-dashboards.yml": {"providers": [{"type": "file", "options": {"path": "/etc/grafana/dashboards"}}]},
    "loki.yml": {
        "auth_enabled": False,
        "server": {"http_listen_port": 3100},
        "common": {},
        "schema_config": {"configs": [{"schema": "v13"}]},
        "limits_config": {},
    },
    "promtail.yml": {"clients": [{"url": "http://loki:3100/loki/api/v1/push"}]},
}


def test_schema_of_good_files():
    assert mc.schema_problems(GOOD_DOCS, {"promtail.yml": "clients: []"}) == []


@pytest.mark.parametrize(
    ("name", "doc", "text", "expected"),
    [
        ("grafana-datasources.yml", {"datasources": []}, "", "grafana-datasources.yml: no datasources."),
        ("grafana-datasources.yml", {"datasources": DATASOURCES["datasources"][:2]}, "", "no jaeger data source"),
        (
            "grafana-datasources.yml",
            {
                "datasources": [
                    {**DATASOURCES["datasources"][0], "url": "prometheus:9090"},
                    *DATASOURCES["datasources"][1:],
                ]
            },
            "",
            'url "prometheus:9090" is not an http(s) URL',
        ),
        (
            "grafana-dashboard-platform.json",
            {"uid": "p", "title": "P", "schemaVersion": 39, "panels": [PANEL, PANEL]},
            "",
            "panel ids are not unique",
        ),
        (
            "grafana-dashboard-platform.json",
            {"uid": "p", "title": "P", "schemaVersion": 39, "panels": [{**PANEL, "targets": [{"expr": "up"}]}]},
            "",
            'panel "Requests" has a target without expr or with an unknown data source',
        ),
        ("grafana-dashboard-platform.json", {"uid": "p"}, "", "grafana-dashboard-platform.json: no title."),
        ("grafana-dashboards.yml", {"providers": [{"type": "file"}]}, "", "no file provider with options.path"),
        ("loki.yml", {**GOOD_DOCS["loki.yml"], "server": {"http_listen_port": 3101}}, "", "is not 3100"),
        ("loki.yml", {**GOOD_DOCS["loki.yml"], "schema_config": {"configs": [{}]}}, "", "has no schema"),
        ("loki.yml", "not a mapping", "", "loki.yml: no auth_enabled."),
        ("promtail.yml", {"clients": [{"url": "http://loki:3100/push"}]}, "", "no client pushing to /loki/api/v1/push"),
        ("promtail.yml", GOOD_DOCS["promtail.yml"], "path: /var/run/docker.sock", "names the Docker socket"),
    ],
)
def test_schema_problems(name, doc, text, expected):
    found = mc.schema_problems({**GOOD_DOCS, name: doc}, {name: text})
    assert any(expected in p for p in found), found


def _promtool(key, values):
    samples = [{"metric": {"service": "api"}, "value": [1700000000, v]} for v in values]
    return {"item": {"key": key}, "stdout": json.dumps(samples)}


def _http(key, values):
    samples = [{"metric": {}, "value": [1700000000, v]} for v in values]
    return {"item": {"key": key}, "json": {"data": {"result": samples}}}


@pytest.mark.parametrize("shape", [_promtool, _http])
def test_gate_verdict_worst_service_and_no_traffic(shape):
    results = [shape("ratio_5xx", ["0.01", "0.2"]), shape("p95_seconds", ["NaN", "0.3"]), shape("requests", ["1.5"])]
    assert mc.gate_verdict(results, "2m") == {"ratio_5xx": 0.2, "p95_seconds": 0.3, "requests": 1.5, "window": "2m"}
    quiet = [shape("ratio_5xx", ["NaN"]), shape("p95_seconds", ["+Inf", "-Inf"]), shape("requests", [])]
    assert mc.gate_verdict(quiet, "2m") == {"ratio_5xx": None, "p95_seconds": None, "requests": 0, "window": "2m"}


def test_gate_verdict_skips_skipped_results():
    results = [{"skipped": True, "item": {"key": "ratio_5xx"}}, _http("ratio_5xx", ["0"])]
    assert mc.gate_verdict(results, "1m")["ratio_5xx"] == 0.0

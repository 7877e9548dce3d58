# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The monitoring role's decisions: options, the files it renders and their checks, the deploy gate's verdict.

Pure functions, no Ansible; the role calls them through plugins/filter/monitoring.py (which parses the
rendered YAML and JSON before ``schema_problems`` sees it).
"""

from __future__ import annotations

import json
import math
import re
import shlex

from ansible_collections.assistant.containers.plugins.module_utils import input_checks as ic

# Grafana provisioning: the data source types, the keys each data source, the dashboard and its panels need.
DATASOURCE_TYPES = ("prometheus", "loki", "jaeger")
DATASOURCE_KEYS = ("name", "uid", "type", "access", "url")
DASHBOARD_KEYS = ("uid", "title", "panels", "schemaVersion")
PANEL_KEYS = ("id", "type", "title", "datasource", "gridPos", "targets")
# Keys Loki refuses to start without (single-process, file system storage), and its port.
LOKI_KEYS = ("auth_enabled", "server", "common", "schema_config", "limits_config")
LOKI_PORT = 3100
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_REDIS_KEY_RE = re.compile(r"[A-Za-z0-9_:.-]+")
_REVISION_RE = re.compile(r"[A-Za-z0-9._-]+")
MAX_QUEUE_DEPTH = 10**9
MAX_SETTLE = 3600


def problems(options):
    """Every problem of the render options, as sentences (empty when all are accepted)."""
    p = ic.Problems()
    o = options
    if "monitoring_env" in o:
        p.check(
            "monitoring_env",
            o["monitoring_env"],
            ic.name,
            "lowercase letters, digits, - and _ (dev, stage, prod)",
            pattern=_NAME_RE,
        )
    services = o.get("monitoring_services", [])
    if isinstance(services, (list, tuple)):
        for i, svc in enumerate(services):
            p.check(
                f"monitoring_services[{i}]",
                svc,
                ic.name,
                "a service name: lowercase letters, digits, - and _",
                pattern=_NAME_RE,
            )
    else:
        p.add("monitoring_services", services, f"is {ic._kind(services)}", "a list of service names")
    for var in ("monitoring_scrape_interval", "monitoring_evaluation_interval"):
        if var in o:
            p.check(var, o[var], ic.prom_duration, ic.EXPECTED_PROM_DURATION + ", above 0", positive=True)
    for var in ("monitoring_alert_down_for", "monitoring_loki_retention"):
        if var in o:
            p.check(var, o[var], ic.prom_duration, ic.EXPECTED_PROM_DURATION)
    for var in ("monitoring_alert_5xx_ratio", "monitoring_alert_disk_free_ratio"):
        if var in o:
            p.check(
                var,
                o[var],
                ic.number,
                "a ratio between 0 and 1 (both excluded), such as 0.05",
                low=0,
                high=1,
                low_open=True,
                high_open=True,
            )
    if "monitoring_alert_p95_seconds" in o:
        p.check(
            "monitoring_alert_p95_seconds",
            o["monitoring_alert_p95_seconds"],
            ic.number,
            "seconds above 0, such as 0.75",
            low=0,
            low_open=True,
        )
    if "monitoring_alert_queue_depth" in o:
        p.check(
            "monitoring_alert_queue_depth",
            o["monitoring_alert_queue_depth"],
            ic.count,
            f"an integer from 1 to {MAX_QUEUE_DEPTH}",
            low=1,
            high=MAX_QUEUE_DEPTH,
        )
    if "monitoring_queue_key" in o:
        p.check(
            "monitoring_queue_key",
            o["monitoring_queue_key"],
            ic.name,
            "a Redis key of letters, digits and _ : . -",
            pattern=_REDIS_KEY_RE,
        )
    for var in ("monitoring_docker_log_dir", "monitoring_config_dir"):
        if var in o:
            p.check(var, o[var], ic.absolute_path, "an absolute path without control characters")
    if "monitoring_image" in o:
        p.check("monitoring_image", o["monitoring_image"], ic.image_reference, ic.EXPECTED_IMAGE)
    if "monitoring_docker_cli" in o:
        p.check(
            "monitoring_docker_cli",
            o["monitoring_docker_cli"],
            ic.text,
            "a command without control characters",
            empty=False,
        )
    return list(p)


def gate_problems(options):
    """Every problem of the gate's options, as sentences."""
    p = ic.Problems()
    o = options
    if "monitoring_gate_window" in o:
        p.check(
            "monitoring_gate_window",
            o["monitoring_gate_window"],
            ic.prom_duration,
            ic.EXPECTED_PROM_DURATION + ", above 0",
            positive=True,
        )
    if "monitoring_gate_max_5xx_ratio" in o:
        p.check(
            "monitoring_gate_max_5xx_ratio",
            o["monitoring_gate_max_5xx_ratio"],
            ic.number,
            "a ratio from 0 to below 1",
            low=0,
            high=1,
            high_open=True,
        )
    if "monitoring_gate_max_p95_seconds" in o:
        p.check(
            "monitoring_gate_max_p95_seconds",
            o["monitoring_gate_max_p95_seconds"],
            ic.number,
            "seconds above 0",
            low=0,
            low_open=True,
        )
    services = o.get("monitoring_gate_services", [])
    if not isinstance(services, (list, tuple)) or not services:
        p.add("monitoring_gate_services", services, "is empty or not a list", "a list of the services to judge")
    else:
        for i, svc in enumerate(services):
            p.check(
                f"monitoring_gate_services[{i}]",
                svc,
                ic.name,
                "a service label: lowercase letters, digits, - and _",
                pattern=_NAME_RE,
            )
    if "monitoring_gate_settle" in o:
        p.check(
            "monitoring_gate_settle",
            o["monitoring_gate_settle"],
            ic.count,
            f"seconds from 0 to {MAX_SETTLE}",
            low=0,
            high=MAX_SETTLE,
        )
    if o.get("monitoring_gate_revision"):
        p.check(
            "monitoring_gate_revision",
            o["monitoring_gate_revision"],
            ic.name,
            "a revision of letters, digits and . _ -, or empty",
            pattern=_REVISION_RE,
        )
    if "monitoring_gate_url" in o:
        p.check(
            "monitoring_gate_url",
            o["monitoring_gate_url"],
            ic.http_url,
            ic.EXPECTED_HTTP_URL + " (e.g. http://127.0.0.1:9090), or empty",
            allow_empty=True,
        )
    if "monitoring_gate_project" in o:
        p.check(
            "monitoring_gate_project",
            o["monitoring_gate_project"],
            ic.compose_project_name,
            "a Compose project name: lowercase letters, digits, - and _",
        )
    return list(p)


def files(specs, contents, services, image, config_dir, docker_cli="docker", validate=True):
    """The rendered files: [{name, config, content, validate}].

    ``specs`` ({name, config, service?}) and ``contents`` (the rendered templates) go together; a file's
    config is empty when the service it is for does not run. The Prometheus files get their promtool check.
    """
    promtool = [
        *shlex.split(docker_cli),
        "run",
        "--rm",
        "--network",
        "none",
        "--user",
        "0:0",
        "--entrypoint",
        "promtool",
    ]
    checks = {
        "alerts.yml": [*promtool, "-v", "%s:/rules.yml:ro", image, "check", "rules", "/rules.yml"],
        "prometheus.yml": [
            *promtool,
            "-v",
            "%s:/etc/prometheus/prometheus.yml:ro",
            "-v",
            f"{config_dir}/alerts.yml:/etc/prometheus/rules/alerts.yml:ro",
            image,
            "check",
            "config",
            "/etc/prometheus/prometheus.yml",
        ],
    }
    if len(specs) != len(contents):
        raise ValueError(f"{len(specs)} file specs but {len(contents)} rendered contents")
    out = []
    for spec, content in zip(specs, contents):  # noqa: B905 (lengths checked above; module_utils stays 3.8-compatible)
        service = spec.get("service")
        check = checks.get(spec["name"]) if validate else None
        out.append(
            {
                "name": spec["name"],
                "config": spec.get("config", "") if not service or service in services else "",
                "content": content,
                "validate": " ".join(shlex.quote(a) for a in check) if check else "",
            }
        )
    return out


def schema_problems(docs, texts):
    """Problems of the Grafana, Loki and Promtail files against what their programs need.

    ``docs`` maps a file name to its parsed content, ``texts`` to its text.
    """
    docs = {k: v if isinstance(v, dict) else {} for k, v in docs.items()}
    out = []
    ds = (docs.get("grafana-datasources.yml") or {}).get("datasources") or []
    if not ds:
        out.append("grafana-datasources.yml: no datasources.")
    for i, d in enumerate(ds, 1):
        out += [f"grafana-datasources.yml: data source {i} has no {k}." for k in DATASOURCE_KEYS if k not in d]
        if d.get("type", "") not in DATASOURCE_TYPES:
            out.append(
                f'grafana-datasources.yml: type "{d.get("type", "")}" is not one of {", ".join(DATASOURCE_TYPES)}.'
            )
        if not re.match(r"https?://[^/]+", str(d.get("url", ""))):
            out.append(f'grafana-datasources.yml: url "{d.get("url", "")}" is not an http(s) URL.')
    types = [d.get("type") for d in ds]
    out += [f"grafana-datasources.yml: no {t} data source." for t in DATASOURCE_TYPES if t not in types]
    uids = [d.get("uid") for d in ds]
    dash = docs.get("grafana-dashboard-platform.json") or {}
    out += [f"grafana-dashboard-platform.json: no {k}." for k in DASHBOARD_KEYS if k not in dash]
    panels = dash.get("panels") or []
    for i, panel in enumerate(panels, 1):
        out += [f"grafana-dashboard-platform.json: panel {i} has no {k}." for k in PANEL_KEYS if k not in panel]
        for t in panel.get("targets") or []:
            if not t.get("expr") or (t.get("datasource") or {}).get("uid", "") not in uids:
                out.append(
                    f'grafana-dashboard-platform.json: panel "{panel.get("title", "")}" has a target without'
                    " expr or with an unknown data source."
                )
    ids = [panel.get("id") for panel in panels]
    if len(set(map(str, ids))) != len(ids):
        out.append("grafana-dashboard-platform.json: panel ids are not unique.")
    providers = (docs.get("grafana-dashboards.yml") or {}).get("providers") or []
    if not any(pr.get("type") == "file" and "path" in (pr.get("options") or {}) for pr in providers):
        out.append("grafana-dashboards.yml: no file provider with options.path.")
    loki = docs.get("loki.yml") or {}
    out += [f"loki.yml: no {k}." for k in LOKI_KEYS if k not in loki]
    if (loki.get("server") or {}).get("http_listen_port") != LOKI_PORT:
        out.append(f"loki.yml: server.http_listen_port is not {LOKI_PORT} (the port Grafana and the shipper use).")
    if not any("schema" in c for c in ((loki.get("schema_config") or {}).get("configs") or [])):
        out.append("loki.yml: schema_config.configs has no schema.")
    promtail = docs.get("promtail.yml") or {}
    if not any(str(c.get("url", "")).endswith("/loki/api/v1/push") for c in promtail.get("clients") or []):
        out.append("promtail.yml: no client pushing to /loki/api/v1/push.")
    if "docker.sock" in texts.get("promtail.yml", ""):
        out.append("promtail.yml: names the Docker socket (CIS 5.32); read the json-file logs instead.")
    return out


def gate_verdict(results, window):
    """The gate's figures from its query results: worst 5xx ratio and p95 (None without traffic), request rate.

    Each result names its query (``item.key``) and holds Prometheus samples, from ``promtool query instant
    --format=json`` (``stdout``) or the HTTP API (``json.data.result``). NaN and infinite values (no traffic)
    are left out.
    """
    values = {}
    for res in results:
        if res.get("skipped"):
            continue
        key = res["item"]["key"]
        data = res["json"]["data"]["result"] if "json" in res else json.loads(res.get("stdout") or "[]")
        numbers = []
        for sample in data:
            v = float(sample["value"][1])
            if math.isfinite(v):
                numbers.append(v)
        values[key] = numbers
    return {
        "ratio_5xx": max(values["ratio_5xx"]) if values.get("ratio_5xx") else None,
        "p95_seconds": max(values["p95_seconds"]) if values.get("p95_seconds") else None,
        "requests": sum(values.get("requests") or []),
        "window": window,
    }

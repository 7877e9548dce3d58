"""The dev inventory's stack deployed as a project of its own, for the fault suite and the deploy benchmark.

Its own project name, directory, host ports and release history, so that a developer's running dev
stack and its data are never touched. Standard library only (the benchmark imports it too).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Container port of each published service in the dev inventory.
TARGETS = {"nginx": 8080, "api": 8000, "sms": 8003}


def overrides(root: Path, project: str, ports: dict[str, int], **extra) -> dict:
    """Extra vars for `-i inventories/dev`: project, directory, ports (service -> host port) and state under root."""
    base = "http://127.0.0.1"
    return {
        "compose_project_name": project,
        "compose_project_dir": str(root / "stack"),
        "compose_app_source_dir": str(REPO / "app" / "src"),
        "compose_sms_public_url": f"{base}:{ports['nginx']}",
        "compose_ports": {
            name: [{"target": TARGETS[name], "published": port, "host_ip": "127.0.0.1"}] for name, port in ports.items()
        },
        "deploy_state_dir": str(root / "state"),
        "deploy_endpoints": [
            {"service": "api", "url": f"{base}:{ports['api']}/ready", "json": {"ready": True}},
            {"service": "sms", "url": f"{base}:{ports['sms']}/health"},
            {"service": "nginx", "url": f"{base}:{ports['nginx']}/healthz"},
        ],
        "deploy_check_ports": [{"port": port} for port in ports.values()],
        "deploy_urls": [f"{base}:{ports['nginx']}/"],
        **extra,
    }


def remove_project(project: str) -> None:
    """Containers, volumes and networks of a Compose project, whatever state a killed run left them in."""

    def docker(*args: str) -> str:
        return subprocess.run(["docker", *args], capture_output=True, text=True, check=False).stdout  # noqa: S603, S607

    label = f"label=com.docker.compose.project={project}"
    ids = docker("ps", "-aq", "--filter", label).split()
    if ids:
        docker("rm", "-f", "-v", *ids)
    for kind in ("volume", "network"):
        names = docker(kind, "ls", "-q", "--filter", label).split()
        if names:
            docker(kind, "rm", *names)

"""Celery worker with a small HTTP side-server (:8002) for health, readiness, metrics, version."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from celery import bootsteps
from celery.signals import task_postrun
from prometheus_client import Counter

from . import ops
from .config import Settings
from .tasks import create_celery

log = logging.getLogger(__name__)

TASKS = Counter("assistant_worker_tasks_total", "Tasks finished by this worker", ["task", "state"])

_state: dict = {"consumer": None}


class _ConsumingStep(bootsteps.StartStopStep):
    """Remembers the consumer while it consumes, so /health can tell."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, c) -> None:
        _state["consumer"] = c

    def stop(self, c) -> None:
        _state["consumer"] = None

    def shutdown(self, c) -> None:
        _state["consumer"] = None


def consuming() -> tuple[bool, dict]:
    c = _state["consumer"]
    ok = bool(
        c is not None
        and c.task_consumer is not None
        and c.connection is not None
        and c.connection.connected
        and c.blueprint.state == bootsteps.RUN
    )
    return ok, {"consuming": ok}


@task_postrun.connect
def _count(task=None, state=None, **_kwargs) -> None:
    TASKS.labels(getattr(task, "name", "unknown"), state or "unknown").inc()


def _handler(settings: Settings):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            path = self.path.split("?", 1)[0]
            if path == "/health":
                ok, detail = consuming()
                self._json(
                    200 if ok else 503,
                    {"status": "ok" if ok else "failing", "service": "worker", **detail},
                )
            elif path == "/ready":
                ok, body = ops.readiness(settings, "worker")
                self._json(200 if ok else 503, body)
            elif path == "/metrics":
                payload, content_type = ops.metrics_payload()
                self._send(200, payload, content_type)
            elif path == "/version":
                self._json(200, ops.version_info(settings))
            else:
                self._json(404, {"detail": "Not Found"})

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            log.debug("health http: " + format, *args)

    return Handler


def run(settings: Settings, port: int) -> int:
    app = create_celery(settings)
    app.steps["consumer"].add(_ConsumingStep)
    ops.BUILD.labels("worker", settings.version, settings.revision).set(1)

    server = ThreadingHTTPServer(("0.0.0.0", port), _handler(settings))  # noqa: S104 (container)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health-http", daemon=True).start()
    log.info("worker health endpoint listening", extra={"port": port})
    try:
        # Threads pool: one process, so metrics and the consuming state are shared.
        # SIGTERM makes Celery stop consuming and finish the tasks in flight (warm shutdown).
        # app.Worker rather than the celery CLI: the CLI's REPL dependencies are not installed.
        worker = app.Worker(
            pool="threads",
            concurrency=settings.worker_concurrency,
            loglevel=settings.log_level,
            without_gossip=True,
            without_mingle=True,
        )
        worker.start()
        return worker.exitcode or 0
    finally:
        server.shutdown()

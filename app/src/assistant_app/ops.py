"""Operational endpoints shared by every service: /health, /ready, /metrics, /version."""

from __future__ import annotations

import logging
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text

from . import db
from .config import Settings

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "assistant_http_requests_total",
    "HTTP requests handled",
    ["service", "method", "route", "status"],
)
LATENCY = Histogram(
    "assistant_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
)
READY = Gauge("assistant_ready", "1 when the last readiness check passed", ["service"])
BUILD = Gauge("assistant_build_info", "Build information", ["service", "version", "revision"])


def check_postgres(settings: Settings) -> tuple[bool, str]:
    try:
        with db.engine(settings).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"; say why
        return False, f"unreachable: {type(exc).__name__}"
    return True, "ok"


def check_redis(settings: Settings) -> tuple[bool, str]:
    import redis

    client = redis.Redis(
        host=settings.redis_host,
        port=settings.redis_port,
        password=settings.redis_password,
        socket_connect_timeout=2,
        socket_timeout=2,
    )
    try:
        client.ping()
    except Exception as exc:
        return False, f"unreachable: {type(exc).__name__}"
    finally:
        client.close()
    return True, "ok"


def check_migrations(settings: Settings) -> tuple[bool, str]:
    try:
        head = db.head_revision(settings)
        current = db.current_revision(settings)
    except Exception as exc:
        return False, f"cannot read revision: {type(exc).__name__}"
    if current != head:
        return False, f"at {current or 'none'}, expected head {head}; run 'assistant migrate'"
    return True, f"at head {head}"


def readiness(settings: Settings, service: str) -> tuple[bool, dict[str, Any]]:
    pg_ok, pg = check_postgres(settings)
    redis_ok, rd = check_redis(settings)
    mig_ok, mig = check_migrations(settings) if pg_ok else (False, "skipped: postgres unreachable")
    ok = pg_ok and redis_ok and mig_ok
    READY.labels(service).set(1 if ok else 0)
    return ok, {"ready": ok, "checks": {"postgres": pg, "redis": rd, "migrations": mig}}


def version_info(settings: Settings) -> dict[str, str]:
    return {"version": settings.version, "revision": settings.revision}


def metrics_payload() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


def install(app, settings: Settings, service: str, extra_health=None) -> None:
    """Add the operational routes and request metrics to a FastAPI app."""
    from fastapi import Request, Response
    from fastapi.responses import JSONResponse

    BUILD.labels(service, settings.version, settings.revision).set(1)

    @app.middleware("http")
    async def _metrics(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        LATENCY.labels(service, request.method, path).observe(time.perf_counter() - start)
        REQUESTS.labels(service, request.method, path, str(response.status_code)).inc()
        return response

    @app.get("/health", include_in_schema=False)
    def health() -> JSONResponse:
        body = {"status": "ok", "service": service}
        if extra_health is not None:
            ok, detail = extra_health()
            body.update(detail)
            if not ok:
                body["status"] = "failing"
                return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    @app.get("/ready", include_in_schema=False)
    def ready() -> JSONResponse:
        ok, body = readiness(settings, service)
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        payload, content_type = metrics_payload()
        return Response(payload, media_type=content_type)

    @app.get("/version", include_in_schema=False)
    def version() -> dict[str, str]:
        return version_info(settings)

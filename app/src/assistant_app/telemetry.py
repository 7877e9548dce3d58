"""OpenTelemetry traces: spans of HTTP requests served and sent, Celery tasks sent and run.

The trace context crosses the services in W3C ``traceparent`` headers: HTTP headers from
the API and the SMS router to the agent, Celery message headers from the API and the agent
to the worker. Spans are exported over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is
set and the ``otel`` extra (SDK and exporter) is installed; otherwise the OpenTelemetry API
records nothing and only passes an incoming context on.
"""

from __future__ import annotations

import logging

import httpx
from opentelemetry import context, propagate, trace
from opentelemetry.propagators.textmap import Getter

from .config import Settings

log = logging.getLogger(__name__)

TRACER = trace.get_tracer("assistant_app")
UNTRACED_PATHS = frozenset({"/health", "/ready", "/metrics", "/version"})
_state: dict = {"exporting": False, "celery": False}
# Spans of the Celery tasks in flight in this process, by task id: (span, context token).
_task_spans: dict[str, tuple[trace.Span, object]] = {}
# Spans of the messages being sent, by message (task) id, until Celery says they were published.
_sent_spans: dict[str, trace.Span] = {}


def setup(settings: Settings, service: str) -> bool:
    """Export this process's spans to the OTLP endpoint, if one is set. True when exporting."""
    if not settings.otel_endpoint or _state["exporting"]:
        return _state["exporting"]
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but the 'otel' extra is not installed; "
            "traces are not exported. Install the app with its otel extra (the image does)."
        )
        return False
    # The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and the other OTEL_* settings) itself
    # and posts to <endpoint>/v1/traces.
    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": f"assistant-{service}",
                "service.version": settings.version,
                "deployment.environment.name": settings.app_env,
            }
        )
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _state["exporting"] = True
    log.info("exporting traces", extra={"endpoint": settings.otel_endpoint})
    return True


def untraced(scope) -> bool:
    """FastAPI's ``telemetry.exclude``: probes (health checks, scrapes) get no span, as they
    would drown the requests in the traces."""
    return scope.get("path") in UNTRACED_PATHS


# FastAPI(telemetry=...) of the three HTTP services. FastAPI traces the requests it serves
# itself (a server span per request, child of the caller's traceparent, with spans for the
# endpoint inside it) once a tracer provider is set, as setup() does.
FASTAPI = {"tracing": True, "metrics": False, "logs": False, "exclude": untraced}


class TracingTransport(httpx.BaseTransport):
    """An httpx transport that sends each request in a client span, with its traceparent."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with TRACER.start_as_current_span(
            f"{request.method} {request.url.path}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "http.request.method": request.method,
                "url.full": str(request.url.copy_with(query=None)),
                "server.address": request.url.host,
            },
        ) as span:
            propagate.inject(request.headers)
            response = self.inner.handle_request(request)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(trace.Status(trace.StatusCode.ERROR))
            return response

    def close(self) -> None:
        self.inner.close()


class _TaskRequestGetter(Getter):
    """Reads the propagated headers from a Celery task request (they become its attributes)."""

    def get(self, carrier, key: str) -> list[str] | None:
        value = getattr(carrier, key, None)
        if value is None and isinstance(getattr(carrier, "headers", None), dict):
            value = carrier.headers.get(key)
        return [value] if isinstance(value, str) else None

    def keys(self, carrier) -> list[str]:
        return []


def _before_publish(sender=None, headers=None, **_kwargs) -> None:
    if headers is None:
        return
    span = TRACER.start_span(
        f"send {sender}",
        kind=trace.SpanKind.PRODUCER,
        attributes={"messaging.system": "celery", "messaging.operation.type": "send"},
    )
    message_id = headers.get("id") or ""
    span.set_attribute("messaging.message.id", message_id)
    propagate.inject(headers, context=trace.set_span_in_context(span))
    _sent_spans[message_id] = span


def _after_publish(headers=None, **_kwargs) -> None:
    span = _sent_spans.pop((headers or {}).get("id") or "", None)
    if span is not None:
        span.end()


def _task_prerun(task_id=None, task=None, **_kwargs) -> None:
    parent = propagate.extract(task.request, getter=_TaskRequestGetter())
    span = TRACER.start_span(
        f"run {task.name}",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "celery",
            "messaging.operation.type": "process",
            "messaging.message.id": task_id or "",
        },
    )
    token = context.attach(trace.set_span_in_context(span))
    _task_spans[task_id] = (span, token)


def _task_postrun(task_id=None, state=None, **_kwargs) -> None:
    entry = _task_spans.pop(task_id, None)
    if entry is None:
        return
    span, token = entry
    span.set_attribute("celery.state", state or "")
    if state == "FAILURE":
        span.set_status(trace.Status(trace.StatusCode.ERROR))
    span.end()
    context.detach(token)


def install_celery() -> None:
    """Carry the trace context in the messages of every Celery app of this process."""
    if _state["celery"]:
        return
    from celery.signals import after_task_publish, before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_before_publish, weak=False, dispatch_uid="assistant-otel-send")
    after_task_publish.connect(_after_publish, weak=False, dispatch_uid="assistant-otel-sent")
    task_prerun.connect(_task_prerun, weak=False, dispatch_uid="assistant-otel-prerun")
    task_postrun.connect(_task_postrun, weak=False, dispatch_uid="assistant-otel-postrun")
    _state["celery"] = True

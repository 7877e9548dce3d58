"""Optional OpenTelemetry tracing: on only when OTEL_EXPORTER_OTLP_ENDPOINT is set."""

from __future__ import annotations

import logging

from .config import Settings

log = logging.getLogger(__name__)


def setup(settings: Settings, service: str) -> bool:
    if not settings.otel_endpoint:
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but the 'otel' extra is not installed; "
            "traces are not exported. Build the image with the otel extra to enable them."
        )
        return False
    # The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT itself.
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": f"assistant-{service}", "service.version": settings.version}
        )
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    log.info("exporting traces", extra={"endpoint": settings.otel_endpoint})
    return True

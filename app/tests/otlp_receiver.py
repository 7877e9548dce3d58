"""A small OTLP/HTTP trace receiver for the tests: standard library only.

It accepts ``POST /v1/traces`` in OTLP's protobuf encoding (what the app's exporter sends;
decoded here by hand from the wire format, so the receiver does not use the code it tests)
or its JSON encoding, and keeps one record per span: service, trace id, span id, parent
span id, name and kind.

In a test: ``Receiver().start()`` and read ``.spans``. In a container (the stack tests):
``python otlp_receiver.py [--port 4318]`` prints each span as a JSON line on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# opentelemetry/proto/trace/v1/trace.proto, Span.SpanKind.
KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def fields(buf: bytes):
    """(field number, value) of each field of one protobuf message; bytes for LEN fields."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i : i + size], i + size
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire} (field {number})")
        yield number, value


def _attributes(buf: bytes) -> dict[str, str]:
    """Resource: 1 = repeated KeyValue (1 key, 2 AnyValue with 1 string_value)."""
    attrs = {}
    for number, kv in fields(buf):
        if number != 1:
            continue
        key = value = None
        for n, v in fields(kv):
            if n == 1:
                key = v.decode()
            elif n == 2:
                value = next((s.decode() for m, s in fields(v) if m == 1), None)
        if key is not None and value is not None:
            attrs[key] = value
    return attrs


def decode_protobuf(body: bytes) -> list[dict]:
    """ExportTraceServiceRequest -> span records."""
    spans = []
    for number, resource_spans in fields(body):  # 1 = repeated ResourceSpans
        if number != 1:
            continue
        resource: dict[str, str] = {}
        scope_spans = []
        for n, v in fields(resource_spans):
            if n == 1:
                resource = _attributes(v)
            elif n == 2:
                scope_spans.append(v)
        for scope in scope_spans:
            for n, span in fields(scope):  # 2 = repeated Span
                if n != 2:
                    continue
                record = {"service": resource.get("service.name", ""), "parent_span_id": ""}
                for m, v in fields(span):
                    if m == 1:
                        record["trace_id"] = v.hex()
                    elif m == 2:
                        record["span_id"] = v.hex()
                    elif m == 4:
                        record["parent_span_id"] = v.hex()
                    elif m == 5:
                        record["name"] = v.decode()
                    elif m == 6:
                        record["kind"] = KINDS.get(v, str(v))
                spans.append(record)
    return spans


def decode_json(body: bytes) -> list[dict]:
    """OTLP/JSON: ids are hex strings, enums numbers."""
    spans = []
    for resource_spans in json.loads(body).get("resourceSpans", []):
        attrs = resource_spans.get("resource", {}).get("attributes", [])
        resource = {a["key"]: a.get("value", {}).get("stringValue") for a in attrs}
        for scope in resource_spans.get("scopeSpans", []):
            for span in scope.get("spans", []):
                spans.append(
                    {
                        "service": resource.get("service.name") or "",
                        "trace_id": span.get("traceId", ""),
                        "span_id": span.get("spanId", ""),
                        "parent_span_id": span.get("parentSpanId", ""),
                        "name": span.get("name", ""),
                        "kind": KINDS.get(span.get("kind", 0), str(span.get("kind"))),
                    }
                )
    return spans


# api -> agent -> worker: each span below the one before it (its descendant) in one trace.
API_AGENT_WORKER = (
    ("assistant-api", "server"),
    ("assistant-api", "client"),
    ("assistant-agent", "server"),
    ("assistant-agent", "producer"),
    ("assistant-worker", "consumer"),
)


def find_chain(spans: list[dict], steps=API_AGENT_WORKER, first_name: str = "") -> list[dict]:
    """Spans that follow steps (service, kind), each a descendant of the one before, in one
    trace; first_name, when given, is the name the first must have. Empty list if none."""
    by_id = {(s.get("trace_id"), s.get("span_id")): s for s in spans}

    def below(span: dict, ancestor: dict) -> bool:
        seen = set()
        parent = span.get("parent_span_id")
        while parent and parent not in seen:
            if parent == ancestor.get("span_id"):
                return True
            seen.add(parent)
            parent = by_id.get((span.get("trace_id"), parent), {}).get("parent_span_id")
        return False

    def matches(span: dict, step: tuple[str, str]) -> bool:
        return (span.get("service"), span.get("kind")) == step

    def walk(chain: list[dict]) -> list[dict]:
        if len(chain) == len(steps):
            return chain
        for span in spans:
            if (
                span.get("trace_id") == chain[0].get("trace_id")
                and matches(span, steps[len(chain)])
                and below(span, chain[-1])
            ):
                found = walk([*chain, span])
                if found:
                    return found
        return []

    for span in spans:
        if matches(span, steps[0]) and (not first_name or span.get("name") == first_name):
            found = walk([span])
            if found:
                return found
    return []


class Receiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, echo: bool = False) -> None:
        self.spans: list[dict] = []
        self.lock = threading.Lock()
        self.echo = echo
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True

    @property
    def endpoint(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                if self.path.split("?", 1)[0] != "/v1/traces":
                    self.send_error(404)
                    return
                json_body = "json" in (self.headers.get("Content-Type") or "")
                try:
                    spans = decode_json(body) if json_body else decode_protobuf(body)
                except (ValueError, IndexError, KeyError) as exc:
                    self.send_error(400, f"cannot decode: {exc}")
                    return
                receiver.add(spans)
                answer = b"{}" if json_body else b""  # an empty ExportTraceServiceResponse
                self.send_response(200)
                self.send_header("Content-Type", self.headers.get("Content-Type") or "")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        return Handler

    def add(self, spans: list[dict]) -> None:
        with self.lock:
            self.spans.extend(spans)
            if self.echo:
                for span in spans:
                    print(json.dumps(span, sort_keys=True), flush=True)

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.spans)

    def start(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 (inside a test container)
    parser.add_argument("--port", type=int, default=4318)
    args = parser.parse_args()
    receiver = Receiver(args.host, args.port, echo=True)
    print(json.dumps({"listening": args.port}), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        receiver.server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

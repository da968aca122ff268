"""A stand-in for Jaeger's all-in-one image where it cannot be pulled: it takes spans over
OTLP/HTTP (protobuf, port 4318) and answers the part of Jaeger's query API that the shop's
tools read (port 16686): `GET /api/services`, `GET /api/traces?service=&tags=&limit=` and
`GET /api/traces/{trace id}`, in Jaeger's JSON shape. Spans are kept in memory, the newest
50,000 at most. It has no UI.

Taking spans must cost the stack little, as Jaeger's does: connections are kept alive, and an
export is only checked on arrival; it is turned into Jaeger's shape when a query first needs it.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

MAX_SPANS = 50_000
# Exports received (parsed) and not yet read into `_traces`; read at once beyond this many
# bytes of them.
MAX_PENDING_BYTES = 32 * 1024 * 1024
SPAN_KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}

_lock = threading.Lock()
_traces: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
_count = 0
_pending: list[ExportTraceServiceRequest] = []
_pending_bytes = 0


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind) if kind else None


def _tag(key: str, value: Any) -> dict[str, Any]:
    kinds = {bool: "bool", int: "int64", float: "float64"}
    kind = kinds.get(type(value), "string")
    return {"key": key, "type": kind, "value": value if kind != "string" else str(value)}


def _store(request: ExportTraceServiceRequest) -> None:
    """Read one export into `_traces` (call with `_lock` held)."""
    global _count
    for resource_spans in request.resource_spans:
        attributes = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        service = str(attributes.get("service.name", "unknown"))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                trace_id = span.trace_id.hex()
                tags = [_tag(a.key, _value(a.value)) for a in span.attributes]
                tags.append(_tag("span.kind", SPAN_KINDS.get(span.kind, "unspecified")))
                if span.status.code == 2:
                    tags.append(_tag("error", True))
                references = []
                if span.parent_span_id:
                    references.append(
                        {
                            "refType": "CHILD_OF",
                            "traceID": trace_id,
                            "spanID": span.parent_span_id.hex(),
                        }
                    )
                references += [
                    {
                        "refType": "FOLLOWS_FROM",
                        "traceID": link.trace_id.hex(),
                        "spanID": link.span_id.hex(),
                    }
                    for link in span.links
                ]
                _traces.setdefault(trace_id, []).append(
                    {
                        "traceID": trace_id,
                        "spanID": span.span_id.hex(),
                        "operationName": span.name,
                        "references": references,
                        "startTime": span.start_time_unix_nano // 1000,
                        "duration": (span.end_time_unix_nano - span.start_time_unix_nano) // 1000,
                        "tags": tags,
                        "logs": [],
                        "service": service,
                    }
                )
                _traces.move_to_end(trace_id)
                _count += 1
    while _count > MAX_SPANS and _traces:
        _, dropped = _traces.popitem(last=False)
        _count -= len(dropped)


def _receive(export: ExportTraceServiceRequest, size: int) -> None:
    global _pending_bytes
    with _lock:
        _pending.append(export)
        _pending_bytes += size
        if _pending_bytes > MAX_PENDING_BYTES:
            _read_pending()


def _read_pending() -> None:
    """Store the exports received since the last query (call with `_lock` held)."""
    global _pending_bytes
    for export in _pending:
        _store(export)
    _pending.clear()
    _pending_bytes = 0


def _jaeger_trace(trace_id: str, spans: list[dict[str, Any]]) -> dict[str, Any]:
    processes: dict[str, str] = {}
    out = []
    for span in spans:
        process = processes.setdefault(span["service"], f"p{len(processes) + 1}")
        out.append({k: v for k, v in span.items() if k != "service"} | {"processID": process})
    return {
        "traceID": trace_id,
        "spans": out,
        "processes": {p: {"serviceName": s, "tags": []} for s, p in processes.items()},
        "warnings": None,
    }


def _matches(spans: list[dict[str, Any]], service: str | None, tags: dict[str, str]) -> bool:
    for span in spans:
        if service and span["service"] != service:
            continue
        values = {tag["key"]: str(tag["value"]) for tag in span["tags"]}
        if all(values.get(key) == str(value) for key, value in tags.items()):
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    # Keep-alive, as exporters expect: a new connection (and name lookup) per export costs the
    # exporting process more than the export itself.
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, document: dict[str, Any]) -> None:
        self._send(status, json.dumps(document).encode(), "application/json")

    def do_POST(self) -> None:
        if urlparse(self.path).path != "/v1/traces":
            self._send(404, b"", "text/plain")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        export = ExportTraceServiceRequest()
        try:
            export.ParseFromString(body)
        except Exception:  # a bad export is the sender's problem
            self._send(400, b"", "text/plain")
            return
        _receive(export, len(body))
        self._send(200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        if url.path in ("/", "/health"):
            self._json(200, {"status": "ok"})
        elif url.path == "/api/services":
            with _lock:
                _read_pending()
                services = sorted({s["service"] for spans in _traces.values() for s in spans})
            self._json(200, {"data": services, "total": len(services)})
        elif url.path == "/api/traces":
            tags = json.loads(query.get("tags") or "{}")
            limit = int(query.get("limit") or 20)
            with _lock:
                _read_pending()
                found = [
                    _jaeger_trace(trace_id, list(spans))
                    for trace_id, spans in reversed(_traces.items())
                    if _matches(spans, query.get("service"), tags)
                ][:limit]
            self._json(200, {"data": found, "total": len(found), "errors": None})
        elif url.path.startswith("/api/traces/"):
            trace_id = url.path.rsplit("/", 1)[-1].lower().rjust(32, "0")
            with _lock:
                _read_pending()
                spans = list(_traces.get(trace_id, []))
            if spans:
                self._json(200, {"data": [_jaeger_trace(trace_id, spans)], "errors": None})
            else:
                self._json(404, {"data": None, "errors": [{"code": 404, "msg": "trace not found"}]})
        else:
            self._send(404, b"", "text/plain")


def main() -> None:
    servers = [ThreadingHTTPServer(("0.0.0.0", port), Handler) for port in (4318, 16686)]  # noqa: S104
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()

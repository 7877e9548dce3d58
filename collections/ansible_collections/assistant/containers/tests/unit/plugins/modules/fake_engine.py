# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A Docker engine stand-in on a Unix socket: canned API answers, every request recorded.

The modules' tests run them end to end (AnsibleModule, the Docker SDK for Python, HTTP over the
socket) against it, so a change in how a module talks to Docker shows up without a real engine.
"""

from __future__ import annotations

import io
import json
import re
import socketserver
import struct
import tarfile
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

_VERSIONED = re.compile(r"^/v[0-9]+\.[0-9]+(/.*)$")


def multiplexed(stdout=b"", stderr=b""):
    """A non-TTY container's log stream: 8-byte frame headers (stream, size) before each chunk."""
    out = b""
    for stream, data in ((1, stdout), (2, stderr)):
        if data:
            out += struct.pack(">BxxxL", stream, len(data)) + data
    return out


def tar_of(files):
    """A tar archive (as `docker export` streams it) of {path: content or None for a directory}."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            if content is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


class FakeEngine:
    """Routes (method, path regex) to handlers returning (status, body, content type); records requests.

    ``routes`` maps (method, regex) to a value or a callable taking (match, query, body); a dict or list
    value is sent as JSON, bytes as they are, an int as an empty answer with that status.
    """

    def __init__(self, socket_path, api_version="1.45", engine_version="26.1.5"):
        self.socket_path = socket_path
        self.requests = []
        self.routes = {
            ("GET", r"/version"): {"Version": engine_version, "ApiVersion": api_version, "MinAPIVersion": "1.24"},
            ("GET", r"/_ping"): b"OK",
        }
        engine = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def address_string(self):
                return "fake-engine"

            def _serve(self):
                parts = urlsplit(self.path)
                path = parts.path
                versioned = _VERSIONED.match(path)
                if versioned:
                    path = versioned.group(1)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = parse_qs(parts.query)
                engine.requests.append({"method": self.command, "path": path, "query": query, "body": body})
                status, payload, ctype = engine.answer(self.command, path, query, body)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_HEAD = _serve

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        self.server = Server(socket_path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, method, path, query, body):
        for (route_method, pattern), value in self.routes.items():
            match = re.fullmatch(pattern, path)
            if route_method != method or not match:
                continue
            if callable(value):
                value = value(match, query, body)
            if isinstance(value, int):
                return value, b"", "text/plain"
            if isinstance(value, bytes):
                return 200, value, "application/octet-stream"
            return 200, json.dumps(value).encode(), "application/json"
        message = json.dumps({"message": f"no such object: {method} {path}"}).encode()
        return 404, message, "application/json"

    def calls(self, method, path_regex):
        """The recorded requests of this method whose path matches."""
        return [r for r in self.requests if r["method"] == method and re.fullmatch(path_regex, r["path"])]

    def filters(self, request):
        """The decoded `filters` query parameter of a recorded request."""
        return json.loads(request["query"]["filters"][0])

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

"""A local HTTP server that misbehaves on purpose, for the online-run tests and benchmarks.

`FaultServer` listens on 127.0.0.1 (a free port) and answers each path with a scripted list of
behaviours (the last one repeats): statuses with `Retry-After`, HTML error pages, truncated or
wrongly-shaped JSON, large bodies, redirects, connection resets, a connection accepted and never
answered, a body dripped one byte at a time. `BlackHole` is a port that never accepts a
connection. The HTTP client is pointed at either through its host overrides:

    HttpClient(host_overrides={"*": server.url})                  # in a test
    DIAGTERR_HOST_OVERRIDES="*=http://127.0.0.1:PORT" diagterr run  # a whole run (settings.py)

A silent or dripping answer waits on the server's stop event, never on `time.sleep`, and ends
when the server closes. Tests using it are marked `enable_socket` + `allow_hosts(["127.0.0.1"])`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

HOST = "127.0.0.1"

Behaviour = Callable[["_Handler", threading.Event], None]


@dataclass
class Answer:
    """A whole answer: status, headers, body."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_length: bool = True  # False: no Content-Length, the body ends when the connection closes

    def __call__(self, handler: _Handler, stop: threading.Event) -> None:
        handler.send_response(self.status)
        for name, value in self.headers.items():
            handler.send_header(name, value)
        if self.content_length:
            handler.send_header("Content-Length", str(len(self.body)))
        handler.end_headers()
        handler.wfile.write(self.body)


def json_answer(value: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(value).encode(), {"Content-Type": "application/json"})


def status(code: int, retry_after: str | None = None, body: bytes = b"") -> Answer:
    """An error status, with its `Retry-After` if given."""
    return Answer(code, body, {"Retry-After": retry_after} if retry_after is not None else {})


def html_page(code: int = 200) -> Answer:
    """The HTML page a portal serves for maintenance or a login, here with `code`."""
    page = b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Service indisponible</body></html>"
    return Answer(code, page, {"Content-Type": "text/html; charset=utf-8"})


def truncated_json() -> Answer:
    return Answer(200, b'{"type": "FeatureCollection", "features": [{"type": "Fea', {"Content-Type": "application/json"})


def large_body(size: int, announced: bool = True) -> Answer:
    """`size` bytes of JSON-looking filler, with or without a Content-Length saying so."""
    body = b"[" + b"0," * ((size - 2) // 2) + b"0]"
    return Answer(200, body, {"Content-Type": "application/json"}, content_length=announced)


def redirect(location: str, code: int = 302) -> Answer:
    return Answer(code, b"", {"Location": location})


def reset() -> Behaviour:
    """Read the request, then close the connection with a TCP reset and no answer."""

    def behave(handler: _Handler, stop: threading.Event) -> None:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        handler.connection.close()

    return behave


def silent() -> Behaviour:
    """Accept the connection, read the request, never answer (until the server closes)."""

    def behave(handler: _Handler, stop: threading.Event) -> None:
        stop.wait()

    return behave


def drip(body: bytes, every_s: float, status_code: int = 200) -> Behaviour:
    """Headers at once, then the body one byte every `every_s` seconds."""

    def behave(handler: _Handler, stop: threading.Event) -> None:
        handler.send_response(status_code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.flush()
        for index in range(len(body)):
            if stop.wait(every_s):
                return
            try:
                handler.wfile.write(body[index:index + 1])
                handler.wfile.flush()
            except OSError:  # the client gave up
                return

    return behave


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.owner._answer(self)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FaultServer


class FaultServer:
    """Scripted answers per path (the query is ignored); `default` for any path not scripted."""

    def __init__(self, default: Behaviour | None = None):
        self._scripts: dict[str, list[Behaviour]] = {}
        self._default = default or status(404, body=b"Not Found")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests: list[str] = []  # paths asked, query included, in order
        self._server = _Server((HOST, 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fault-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    def script(self, path: str, *behaviours: Behaviour) -> None:
        """Answer `path` with these behaviours in turn, the last one for every later request."""
        with self._lock:
            self._scripts[path] = list(behaviours)

    def asked(self, path: str) -> int:
        """How many requests asked `path`."""
        return sum(1 for asked in self.requests if asked.split("?", 1)[0] == path)

    def _answer(self, handler: _Handler) -> None:
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self.requests.append(handler.path)
            script = self._scripts.get(path)
            behaviour = (script.pop(0) if len(script) > 1 else script[0]) if script else self._default
        with contextlib.suppress(OSError):  # the client went away
            behaviour(handler, self._stop)

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class BlackHole:
    """A port that never completes a connection: a listening socket that never accepts, its
    backlog filled by our own idle connections, so the kernel drops every new attempt (a
    firewalled or vanished host: the client meets its connect timeout)."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((HOST, 0))
        self._listener.listen(0)
        self._fillers: list[socket.socket] = []
        for _ in range(8):  # fill the accept queue (its length is backlog + 1 on Linux)
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect((HOST, self.port))
            self._fillers.append(filler)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def close(self) -> None:
        for filler in self._fillers:
            filler.close()
        self._listener.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

"""Serve a :class:`SandboxApp` over real HTTP on loopback (stdlib server, one thread each)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ._app import SandboxApp

__all__ = ["LoopbackServer"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _serve(self) -> None:
        app = self.server.app
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        addr_host, addr_port = self.server.server_address[:2]
        host = self.headers.get("host") or f"{addr_host!s}:{addr_port}"
        request = httpx.Request(
            self.command,
            f"http://{host}{self.path}",
            headers=list(self.headers.items()),
            content=body,
        )
        over = app._enter()
        try:
            if app.latency:
                time.sleep(app.latency)
            try:
                response = app.rate_limited(request, None) if over else app.handle(request)
                stream = response.stream
                content = b"" if hasattr(stream, "_head") else response.read()
            except httpx.TimeoutException:
                # The vendor never answers: drop the connection after a pause.
                time.sleep(0.05)
                self.close_connection = True
                return
        finally:
            app._leave()
        self.send_response(response.status_code)
        skip = {"content-length", "transfer-encoding", "connection"}
        for name, value in response.headers.items():
            if name.lower() not in skip:
                self.send_header(name, value)
        head = getattr(stream, "_head", None)
        if head is not None:  # a reset fault: promise more than we send, then hang up
            self.send_header("Content-Length", str(len(head) * 2 + 10))
            self.end_headers()
            self.wfile.write(head)
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        super().__init__(address, _Handler)


class LoopbackServer:
    """A sandbox app on ``http://127.0.0.1:PORT``; use as a context manager or ``stop()``."""

    def __init__(self, app: SandboxApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in _LOOPBACK:
            raise ValueError("the sandbox serves on loopback only")
        self.app = app
        self._server = _Server((host, port), app)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def settings(self) -> dict[str, Any]:
        """Keyword settings for :func:`custbridge.connect` that reach this server."""
        return self.app.client_settings(self.url)

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

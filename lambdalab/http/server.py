"""A real local HTTP server in front of a lab function (``lab.http.serve``).

The lab is single-threaded: its clock, engine and handler bookkeeping belong to one thread
at a time. The server therefore runs ``http.server.HTTPServer`` (one request at a time) on a
background thread, and each request takes ``lab.http.lock`` for the whole lab call, which
runs on the server thread. While a request is inside the lab, process-wide wall-clock reads
are frozen at lab time (as for any lab call); don't drive the same lab from the notebook
while requests are in flight, or hold ``lab.http.lock`` while you do. The runaway-handler
guard (SIGALRM) only works on the main thread, so a handler that loops forever will hang
the server. The server listens on 127.0.0.1 only: nothing leaves the machine.
"""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

DOORS = ("url", "http", "rest", "alb")


class LabServer:
    """A running server: ``.url``, ``.port``, ``.stop()``; also a context manager."""

    def __init__(self, doors, function, port: int = 0, door: str = "url", **options):
        if door not in DOORS:
            raise ValueError(f"door must be one of {DOORS}, not {door!r}")
        send = {"url": doors.invoke_url,
                "http": lambda *a, **k: doors.api_gateway(*a, version="2.0", **k),
                "rest": lambda *a, **k: doors.api_gateway(*a, version="1.0", **k),
                "alb": doors.alb}[door]
        fn = doors._function(function)
        lock = doors.lock

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                path, _, query = self.path.partition("?")
                headers = [(k, v) for k, v in self.headers.items()
                           if k.lower() not in ("content-length", "connection")]
                with lock:
                    resp = send(fn, self.command, path, query, headers, body,
                                source_ip=self.client_address[0], **options)
                self.send_response(resp.status, resp.reason or None)
                for k, v in resp.headers.items():
                    if k not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                for cookie in resp.cookies:
                    self.send_header("Set-Cookie", cookie)
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(resp.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

            def log_message(self, format, *args):   # quiet: notebooks print nothing per request
                pass

        self._server = HTTPServer(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name=f"lambdalab-http-{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"<LabServer {self.url}>"

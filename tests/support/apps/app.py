"""A tiny real HTTP service used as a deployable version in tests (standard library only).

Its behaviour comes from ``behavior.json`` beside it (so each behaviour is its own commit,
hence its own version):

    {"error_rate": 0.5}           answer 500 to that share of requests (evenly spread)
    {"errors_after": 200}         ... only after that many requests
    {"leak_after": 100, "leak_kb": 512}   keep that much memory per request after N requests
    {"delay_ms": 300}             answer that late
    {"unhealthy": true}           /health answers 503

``GET /health`` is the health check; anything else answers JSON with the version (from
``ORCHESTRA_VERSION``), the pid and a greeting from ``GREETING``. ``PORT`` is where it listens.
SIGTERM stops accepting and lets requests in flight finish.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BEHAVIOR = (
    json.loads((Path(__file__).parent / "behavior.json").read_text() or "{}")
    if (Path(__file__).parent / "behavior.json").is_file()
    else {}
)
VERSION = os.environ.get("ORCHESTRA_VERSION", "dev")
LOCK = threading.Lock()
COUNT = 0
LEAK: list[bytearray] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self) -> None:
        global COUNT
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        if self.path == "/health":
            if BEHAVIOR.get("unhealthy"):
                self._reply(503, {"status": "unhealthy", "version": VERSION})
            else:
                self._reply(200, {"status": "ok", "version": VERSION})
            return
        with LOCK:
            COUNT += 1
            n = COUNT
            if n > BEHAVIOR.get("leak_after", 1 << 62):
                LEAK.append(bytearray(b"\x01") * (int(BEHAVIOR.get("leak_kb", 256)) * 1024))
        if BEHAVIOR.get("delay_ms"):
            time.sleep(BEHAVIOR["delay_ms"] / 1000.0)  # a slow version, on purpose
        rate = float(BEHAVIOR.get("error_rate", 0))
        failing = n > BEHAVIOR.get("errors_after", 0) and rate > 0 and int(n * rate) != int((n - 1) * rate)
        if failing:
            self._reply(500, {"error": "injected failure", "version": VERSION})
        else:
            self._reply(200, {"version": VERSION, "pid": os.getpid(), "greeting": os.environ.get("GREETING")})

    do_POST = do_GET
    do_HEAD = do_GET


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Handler)
    server.daemon_threads = True

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever(poll_interval=0.05)
    server.server_close()


if __name__ == "__main__":
    main()

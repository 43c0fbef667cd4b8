"""A real webhook receiver over HTTP on loopback, answering from a script of replies.

Each request is recorded (headers and raw body) and must carry a valid Standard Webhooks
signature for the secret the test gives it: :meth:`WebhookReceiver.verified` checks every
one with the stock ``standardwebhooks`` library. Tests wait on what arrives
(:meth:`wait_for`), never on the clock.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook

HANG = -1  # a reply that never answers (until the receiver is released or closed)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    arrived_at: datetime

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class WebhookReceiver:
    def __init__(self, replies: list[int] | None = None, default: int = 200) -> None:
        self.replies = list(replies or [])
        self.default = default
        self.received: list[Received] = []
        self.secret: str | None = None
        self.release = threading.Event()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver._changed:
                    receiver.received.append(Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                        datetime.now(UTC)))
                    reply = receiver.replies.pop(0) if receiver.replies else receiver.default
                    receiver._changed.notify_all()
                if reply == HANG:
                    receiver.release.wait(60)
                    return  # the connection closes without an answer
                self.send_response(reply)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Block until ``count`` requests have arrived; they are returned."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.received)} of {count} requests arrived"
                self._changed.wait(left)
            return list(self.received)

    def wait_for_type(self, event_type: str, timeout: float = 60) -> Received:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for request in self.received:
                    if request.event["type"] == event_type:
                        return request
                left = deadline - time.monotonic()
                assert left > 0, f"no {event_type} among {[r.event['type'] for r in self.received]}"
                self._changed.wait(left)

    def verified(self) -> list[dict[str, Any]]:
        """Every request verified with the standardwebhooks library (raises if one fails)."""
        assert self.secret is not None, "give the receiver its webhook's secret"
        verifier = Webhook(self.secret)
        return [verifier.verify(request.body, request.headers) for request in self.received]


@contextmanager
def webhook_receiver(replies: list[int] | None = None, default: int = 200
                     ) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(replies, default)
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        receiver.server.shutdown()
        receiver.server.server_close()

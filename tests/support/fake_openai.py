"""A small OpenAI-compatible server for tests and benchmarks.

It answers like a well-behaved model (a valid script whose sections have exactly the word
budgets the prompt asked for) unless told to misbehave, so tests exercise the real
``openai`` client, real HTTP and real timeouts instead of mocks. It reads the machine-
readable ```json section_plan``` / ```json section_slot``` block of the prompt.

Control protocol (JSON over HTTP, so tests in other processes can script it):

- ``POST /_control`` with any of ``faults`` (list, appended to the queue), ``fail_rate``,
  ``seed``, ``latency``, ``report_cost``, ``json_schema_supported``, ``timeout_sleep``,
  ``random_fault_kinds``, ``reply_mode``, ``speech_time_scale``; answers the current
  configuration.
- ``GET /_requests``: every request received, oldest first. ``POST /_reset``: defaults.

The API endpoints answer under any prefix (``/v1/chat/completions``, also
``/openrouter.ai/api/v1/chat/completions``), so a test can give a base URL that makes the
client side believe it talks to OpenRouter.

A fault is a kind name or ``{"kind": ..., "retry_after": s, "endpoint": "chat"|"speech"}``.
Kinds: ok, 429, 500, 503, timeout, drop, malformed, schema_invalid, too_long, too_short,
401, 400, and the adversarial reply kinds of ``fake_content.ADVERSARIAL_KINDS``
(unpunctuated, one_sentence, x5, x0_2, empty_sections, duplicate_sections, wrong_count,
wrong_order, fenced, fenced_prose). The next request on an endpoint takes the first queued
fault for it; with an empty queue, ``fail_rate`` picks a random transient kind, else a
chat request gets ``reply_mode`` (default ok). ``speech_time_scale`` stretches or shrinks
the speech endpoint's audio against the words' pace.

CLI: ``python -m tests.support.fake_openai --port N --latency 2.0 --fail-rate 0.2 --seed 1``
(also ``--host``, ``--report-cost``, ``--no-json-schema``, ``--timeout-sleep``,
``--retry-after``); prints
``listening on http://HOST:PORT/v1`` and serves until interrupted.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import re
import signal
import threading
import time
import wave
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.fake_content import ADVERSARIAL_KINDS, chat_answer, estimate_tokens

FAULT_KINDS = frozenset(
    {"ok", "429", "500", "503", "timeout", "drop", "malformed", "schema_invalid",
     "too_long", "too_short", "401", "400"}
) | ADVERSARIAL_KINDS
DEFAULT_RANDOM_KINDS = ("500", "503", "429", "drop")
SAMPLE_RATE = 22_050
TTS_WORDS_PER_MINUTE = 150


def _defaults() -> dict[str, Any]:
    return {
        "fail_rate": 0.0,
        "seed": 0,
        "latency": 0.0,
        "report_cost": False,
        "json_schema_supported": True,
        "timeout_sleep": 5.0,
        "random_fault_kinds": list(DEFAULT_RANDOM_KINDS),
        "retry_after": 0,
        # The kind every chat request gets when no fault is queued: "ok", or one of the
        # adversarial reply kinds, for a model that misbehaves the same way every time.
        "reply_mode": "ok",
        # Speech lasts this many times what the words take at the requested pace, so a
        # test can make a voiceover run long (2.0) or short (0.5).
        "speech_time_scale": 1.0,
        # USD per million tokens the server "charges" when it reports cost.
        "cost_per_million_prompt": 1.5,
        "cost_per_million_completion": 4.5,
        # Called with the request entry while the server holds each request, before any
        # answer: a test looks at the world as a client waiting on this call sees it.
        "on_request": None,
    }


def _fault(item: str | dict[str, Any]) -> dict[str, Any]:
    fault = {"kind": item} if isinstance(item, str) else dict(item)
    fault.setdefault("endpoint", "chat")
    if fault["kind"] not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {fault['kind']!r}; one of {sorted(FAULT_KINDS)}")
    return fault


def wav_bytes(seconds: float) -> bytes:
    """16-bit mono WAV of a quiet 210 Hz tone (105 samples per period, so it tiles exactly)."""
    period = b"".join(
        int(3000 * math.sin(2 * math.pi * i / 105)).to_bytes(2, "little", signed=True)
        for i in range(105)
    )
    frames = round(seconds * SAMPLE_RATE)
    pcm = (period * (frames // 105 + 1))[: frames * 2]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buffer.getvalue()


class FakeOpenAI:
    """The server and its scriptable state; usable in-process or as a separate process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._config = _defaults()
        self._rng = random.Random(0)
        self._faults: deque[dict[str, Any]] = deque()
        self._requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- Python-side control ---------------------------------------------------------
    def configure(self, **changes: Any) -> dict[str, Any]:
        faults = [_fault(item) for item in changes.pop("faults", [])]
        unknown = set(changes) - set(self._config)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        if changes.get("reply_mode", "ok") not in FAULT_KINDS:
            raise ValueError(f"unknown reply_mode {changes['reply_mode']!r}")
        with self._lock:
            self._config.update(changes)
            if "seed" in changes:
                self._rng = random.Random(changes["seed"])
            self._faults.extend(faults)
            return dict(self._config)

    def push_faults(self, *faults: str | dict[str, Any]) -> None:
        self.configure(faults=list(faults))

    def reset(self) -> None:
        with self._lock:
            self._config = _defaults()
            self._rng = random.Random(0)
            self._faults.clear()
            self._requests.clear()

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._requests]

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    # --- used by the handler -----------------------------------------------------------
    def _next_fault(self, endpoint: str) -> dict[str, Any]:
        with self._lock:
            for fault in self._faults:
                if fault["endpoint"] in (endpoint, "any"):
                    self._faults.remove(fault)
                    return fault
            if self._config["fail_rate"] and self._rng.random() < self._config["fail_rate"]:
                kind = self._rng.choice(self._config["random_fault_kinds"])
                return {"kind": kind, "endpoint": endpoint, "random": True}
            if endpoint == "chat":
                return {"kind": self._config["reply_mode"], "endpoint": endpoint}
            return {"kind": "ok", "endpoint": endpoint}

    def _log(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            entry["seq"] = len(self._requests)
            self._requests.append(entry)
        return entry

    def _setting(self, name: str) -> Any:
        with self._lock:
            return self._config[name]


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Without TCP_NODELAY, keep-alive requests stall ~40 ms on delayed ACKs.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: test output should show test failures, not access logs."""

        def do_GET(self) -> None:
            if self.path.startswith("/_requests"):
                self._json(200, fake.requests)
            elif self.path in ("/v1/models", "/healthz"):
                self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            try:
                body = self._body()
            except ValueError as exc:
                self._json(400, {"error": {"message": f"invalid JSON body: {exc}"}})
                return
            try:
                if self.path == "/_control":
                    self._json(200, fake.configure(**body))
                elif self.path == "/_reset":
                    fake.reset()
                    self._json(200, {"reset": True})
                elif self.path.endswith("/chat/completions"):
                    self._chat(body)
                elif self.path.endswith("/audio/speech"):
                    self._speech(body)
                else:
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
            except (ValueError, TypeError) as exc:
                self._json(400, {"error": {"message": str(exc)}})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout fired): nothing left to answer

        # --- endpoints ---------------------------------------------------------------
        def _chat(self, body: dict[str, Any]) -> None:
            entry = fake._log({
                "path": self.path, "body": body,
                "authorization": self.headers.get("Authorization", ""),
            })
            response_format = (body.get("response_format") or {}).get("type")
            if response_format == "json_schema" and not fake._setting("json_schema_supported"):
                entry.update(fault="json_schema_rejected", status=400)
                self._json(400, {"error": {
                    "message": "response_format json_schema is not supported by this server;"
                               " use json_object",
                    "type": "invalid_request_error", "param": "response_format"}})
                return
            fault = fake._next_fault("chat")
            entry["fault"] = fault["kind"]
            if self._transport_fault(fault, entry):
                return
            scale = {"too_long": 1.4, "too_short": 0.6}.get(fault["kind"], 1.0)
            content = chat_answer(body.get("messages", []), scale=scale, kind=fault["kind"])
            prompt_text = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
            usage: dict[str, Any] = {
                "prompt_tokens": estimate_tokens(prompt_text),
                "completion_tokens": estimate_tokens(content),
            }
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            if fake._setting("report_cost"):
                usage["cost"] = round(
                    (usage["prompt_tokens"] * fake._setting("cost_per_million_prompt")
                     + usage["completion_tokens"] * fake._setting("cost_per_million_completion"))
                    / 1_000_000, 12)
            entry.update(status=200, usage=usage)
            self._json(200, {
                "id": f"chatcmpl-fake-{entry['seq']}", "object": "chat.completion",
                "created": int(time.time()), "model": body.get("model", "fake"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
                "usage": usage,
            })

        def _speech(self, body: dict[str, Any]) -> None:
            entry = fake._log({"path": self.path, "body": body})
            fault = fake._next_fault("speech")
            entry["fault"] = fault["kind"]
            if self._transport_fault(fault, entry):
                return
            words = len(re.findall(r"\S+", str(body.get("input", ""))))
            speed = float(body.get("speed") or 1.0)
            seconds = words / (TTS_WORDS_PER_MINUTE * speed) * 60
            seconds *= float(fake._setting("speech_time_scale"))
            entry.update(status=200, seconds=seconds)
            self._send(200, wav_bytes(seconds), "audio/wav")

        def _transport_fault(self, fault: dict[str, Any], entry: dict[str, Any]) -> bool:
            """Apply latency and any fault that replaces the normal answer."""
            kind = fault["kind"]
            hook = fake._setting("on_request")
            if hook is not None:
                hook(entry)
            latency = float(fake._setting("latency"))
            if latency:
                fake._stopping.wait(latency)
            if kind == "timeout":
                fake._stopping.wait(float(fake._setting("timeout_sleep")))
                return False  # answer late: the client has normally given up already
            if kind == "drop":
                entry["status"] = None
                self.close_connection = True
                self.connection.close()
                return True
            if kind in ("429", "500", "503"):
                headers = {}
                retry_after = fault.get("retry_after", fake._setting("retry_after"))
                if kind in ("429", "503") and retry_after is not None:
                    headers["Retry-After"] = str(retry_after)
                entry["status"] = int(kind)
                self._json(int(kind), {"error": {"message": f"fake {kind}", "type": "server"}},
                           headers)
                return True
            if kind == "401":
                key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                entry["status"] = 401
                self._json(401, {"error": {
                    "message": f"Incorrect API key provided: {key}. Check your key.",
                    "type": "invalid_request_error", "code": "invalid_api_key"}})
                return True
            if kind == "400":
                entry["status"] = 400
                self._json(400, {"error": {"message": "model is not a valid model ID",
                                           "type": "invalid_request_error"}})
                return True
            return False

        # --- plumbing ------------------------------------------------------------------
        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            data = json.loads(raw or b"{}")
            if not isinstance(data, dict):
                raise ValueError("body must be a JSON object")
            return data

        def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json", headers)

        def _send(
            self, status: int, data: bytes, content_type: str,
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="random transient faults")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout-sleep", type=float, default=5.0)
    parser.add_argument("--retry-after", type=float, default=0, help="on random 429/503")
    parser.add_argument("--report-cost", action="store_true", help="send usage.cost")
    parser.add_argument("--no-json-schema", action="store_true", help="reject json_schema")
    args = parser.parse_args(argv)
    fake = FakeOpenAI(args.host, args.port)
    fake.configure(
        latency=args.latency, fail_rate=args.fail_rate, seed=args.seed,
        timeout_sleep=args.timeout_sleep, report_cost=args.report_cost,
        retry_after=args.retry_after,
        json_schema_supported=not args.no_json_schema,
    )
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=fake.stop).start())
    print(f"listening on {fake.base_url}", flush=True)
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._server.server_close()


if __name__ == "__main__":
    main()

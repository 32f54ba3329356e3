"""A real OpenAI-compatible chat server on 127.0.0.1 that misbehaves on demand.

Point litellm at it with ``openai/<model>`` and ``api_base=server.api_base``. Each request to
``POST /v1/chat/completions`` takes the next mode from the queue that the test sets
(``server.script("429", "ok")``); with the queue empty, a model named ``fault-<mode>`` picks
the mode (``openai/fault-503`` fails every time), and anything else is ``ok``.

Modes (:data:`MODES`):

- ``ok``: a deterministic reply (``server.text``, else "You said: <the last user message>"),
  streamed one word per SSE chunk with a finish reason, usage and ``data: [DONE]``.
- ``slow`` (or ``timeout``): sleeps ``server.slow_s`` before answering (longer than the
  client's timeout), then answers as ``ok`` if the client is still there.
- ``429``: rate-limited, with ``Retry-After`` and ``retry-after-ms`` headers.
- ``500``, ``503``: an OpenAI-style JSON error; ``502``: an HTML page, as a proxy sends it.
- ``drop``: streams a few words, then closes the socket in the middle of the chunked body.
- ``truncated``: streams a few words and ends the HTTP body cleanly, but without a finish
  reason or ``data: [DONE]`` (a proxy that gave up).
- ``malformed``: SSE events whose data is not JSON.
- ``empty``: a well-formed reply with no content at all.
- ``bad_json``: a well-formed reply whose content is JSON that does not parse (for calls that
  ask the model for JSON).
- ``401``: refuses the key and, as real providers do, echoes it in the error message.

Every request is recorded (method, path, headers with the Authorization value masked, the JSON
body and the mode served) in :attr:`FaultServer.requests`.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = (
    "ok",
    "slow",
    "timeout",
    "429",
    "500",
    "502",
    "503",
    "drop",
    "truncated",
    "malformed",
    "empty",
    "bad_json",
    "401",
)
BAD_JSON = '{"name": "Dana Whitfield", "role": "owns a bakery", "hidden_facts": [{"id": '
"""What ``bad_json`` answers: the start of a JSON object that never ends."""


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)
    mode: str = ""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def text(self) -> str:
        """Every message's content, joined: what left the client."""
        return "\n".join(str(m.get("content") or "") for m in self.messages)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a timeout, a closed keep-alive connection) is expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class FaultServer:
    """The server; use it as a context manager (it listens on a free port until exit)."""

    def __init__(self, slow_s: float = 5.0, retry_after_ms: int = 20) -> None:
        self.slow_s = slow_s
        self.retry_after_ms = retry_after_ms
        self.text: str | None = None
        """The reply for ``ok``; ``None`` echoes the last user message."""
        self.requests: list[Recorded] = []
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # control

    def script(self, *modes: str) -> FaultServer:
        """Serve the next requests with these modes, in order."""
        unknown = [m for m in modes if m not in MODES]
        if unknown:
            raise ValueError(f"unknown fault modes {unknown}; known: {MODES}")
        with self._lock:
            self._queue.extend(modes)
        return self

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
        self.text = None

    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def url(self) -> str:
        assert self._httpd is not None, "the server is not running"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def api_base(self) -> str:
        return self.url + "/v1"

    def start(self) -> FaultServer:
        handler = type("Handler", (_Handler,), {"fault": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # serving

    def _next_mode(self, model: str) -> str:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        named = model.removeprefix("fault-")
        return named if model.startswith("fault-") and named in MODES else "ok"

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def _reply_text(self, body: dict[str, Any]) -> str:
        if self.text is not None:
            return self.text
        users = [m for m in body.get("messages") or [] if m.get("role") == "user"]
        last = str(users[-1].get("content") or "") if users else ""
        return f"You said: {' '.join(last.split()[:30])}"

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    fault: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # plumbing

    def _headers(self) -> dict[str, str]:
        headers = {k.lower(): v for k, v in self.headers.items()}
        if "authorization" in headers:
            headers["authorization"] = headers["authorization"].split(" ")[0] + " ***"
        return headers

    def _presented_key(self) -> str:
        auth = self.headers.get("Authorization", "")
        return auth.split(" ", 1)[1] if " " in auth else auth

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, **headers: str) -> None:
        self._send(status, json.dumps(data).encode(), "application/json", **headers)

    def _error(self, status: int, message: str, kind: str, code: str | None = None) -> None:
        error = {"message": message, "type": kind, "param": None, "code": code}
        self._json(status, {"error": error})

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, data: Any) -> None:
        payload = data if isinstance(data, str) else json.dumps(data)
        self._chunk(f"data: {payload}\n\n".encode())

    # routes

    def do_GET(self) -> None:
        self.fault._record(Recorded("GET", self.path, self._headers()))
        if self.path.rstrip("/").endswith("/models"):
            data = [{"id": f"fault-{m}", "object": "model", "owned_by": "candor"} for m in MODES]
            self._json(200, {"object": "list", "data": data})
        else:
            self._error(404, f"No route {self.path}", "invalid_request_error")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_raw": raw.decode(errors="replace")}
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self.fault._record(Recorded("POST", self.path, self._headers(), body))
            self._error(404, f"No route {self.path}", "invalid_request_error")
            return
        model = str(body.get("model") or "")
        mode = self.fault._next_mode(model)
        self.fault._record(Recorded("POST", self.path, self._headers(), body, mode))
        try:
            self._serve(mode, body, model)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout): nothing to do

    def _serve(self, mode: str, body: dict[str, Any], model: str) -> None:
        fault = self.fault
        if mode in {"slow", "timeout"}:
            fault._sleep(fault.slow_s)
            mode = "ok"
        if mode == "429":
            self._json(
                429,
                {
                    "error": {
                        "message": f"Rate limit reached for {model}. Please try again later.",
                        "type": "requests",
                        "param": None,
                        "code": "rate_limit_exceeded",
                    }
                },
                Retry_After=str(max(1, round(fault.retry_after_ms / 1000))),
                retry_after_ms=str(fault.retry_after_ms),
            )
        elif mode == "500":
            self._error(500, "The server had an error while processing your request.", "server")
        elif mode == "502":
            page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
            self._send(502, page, "text/html")
        elif mode == "503":
            self._error(503, "The engine is currently overloaded.", "server_error")
        elif mode == "401":
            key = self._presented_key()
            self._error(
                401,
                f"Incorrect API key provided: {key}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            )
        elif body.get("stream"):
            self._stream(mode, body, model)
        else:
            self._complete(mode, body, model)

    def _content(self, mode: str, body: dict[str, Any]) -> str:
        if mode == "bad_json":
            return BAD_JSON
        if mode == "empty":
            return ""
        return self.fault._reply_text(body)

    def _complete(self, mode: str, body: dict[str, Any], model: str) -> None:
        if mode == "malformed":
            self._send(200, b'{"id": "chatcmpl-x", "choices": [{"mess', "application/json")
            return
        text = self._content(mode, body)
        self._json(
            200,
            {
                "id": "chatcmpl-fault",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ]
                if mode != "empty"
                else [],
                "usage": _usage(body, text),
            },
        )

    def _stream(self, mode: str, body: dict[str, Any], model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": "chatcmpl-fault",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        if mode == "malformed":
            self._event('{"id": "chatcmpl-fault", "choices": [{"delta": {"content": "Hel')
            self._event("this is not json at all")
            self._event("[DONE]")
            self._chunk(b"")
            return
        text = self._content(mode, body)
        self._event(chunk({"role": "assistant", "content": ""}))
        words = list(_words(text))
        if mode in {"drop", "truncated"}:
            for word in words[:3]:
                self._event(chunk({"content": word}))
                time.sleep(0.01)
            if mode == "truncated":
                self._chunk(b"")  # the HTTP body ends properly; the SSE stream does not
                return
            # Cut the connection in the middle of the chunked body: no terminating chunk.
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        for word in words:
            self._event(chunk({"content": word}))
        self._event(chunk({}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event(
                {
                    "id": "chatcmpl-fault",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [],
                    "usage": _usage(body, text),
                }
            )
        self._event("[DONE]")
        self._chunk(b"")


def _words(text: str) -> Iterator[str]:
    """``text`` in pieces that join back to it: each word with its trailing space."""
    piece = ""
    for ch in text:
        if ch.isspace() and piece and not piece[-1].isspace():
            piece += ch
            yield piece
            piece = ""
        else:
            piece += ch
    if piece:
        yield piece


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages") or [])
    completion = len(text.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }

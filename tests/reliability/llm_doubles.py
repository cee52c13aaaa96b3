"""Small HTTP servers around the LLM endpoint: a recording proxy and a key-echoing failure.

`RecordingProxy` forwards every request to a real OpenAI-compatible server (llama.cpp) and
keeps the JSON bodies, so a test can read the exact prompt the pipeline sent; streamed
replies pass through piece by piece. `EchoingFailure` plays a provider that rejects the key
and, like some real ones, repeats it in the error body: the worst case for leaking it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> Any:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the body ends when the connection closes: no chunking needed

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("content-length") or 0))


class _ProxyHandler(_Quiet):
    def do_GET(self) -> None:
        self._forward(b"")

    def do_POST(self) -> None:
        self._forward(self._body())

    def _forward(self, body: bytes) -> None:
        proxy: RecordingProxy = self.server.owner  # type: ignore[attr-defined]
        index = proxy.record(json.loads(body)) if body else None
        headers = {key: value for key, value in self.headers.items() if key.lower() not in ("host", "content-length")}
        with httpx.stream(self.command, proxy.upstream + self.path.removeprefix("/v1"), content=body,
                          headers=headers, timeout=300) as upstream:
            self.send_response(upstream.status_code)
            for key, value in upstream.headers.items():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.end_headers()
            for piece in upstream.iter_raw():
                self.wfile.write(piece)
                self.wfile.flush()
                if index is not None:
                    proxy.record_reply(index, piece)


class RecordingProxy(_Server):
    """Forwards to `upstream` (a base URL ending in /v1) and records every JSON request body."""

    def __init__(self, upstream: str) -> None:
        super().__init__(_ProxyHandler)
        self.upstream = upstream.rstrip("/")
        self.requests: list[dict[str, Any]] = []
        self.replies: list[bytes] = []
        self._lock = threading.Lock()

    def record(self, body: dict[str, Any]) -> int:
        with self._lock:
            self.requests.append(body)
            self.replies.append(b"")
            return len(self.requests) - 1

    def record_reply(self, index: int, piece: bytes) -> None:
        with self._lock:
            self.replies[index] += piece

    def reply_text(self, index: int) -> str:
        """The text the model wrote for request `index` (streamed deltas or a whole message)."""
        with self._lock:
            raw = self.replies[index].decode("utf-8", "replace")
        if not any(line.startswith("data:") for line in raw.splitlines()):
            message = json.loads(raw)["choices"][0]["message"] if raw.strip() else {}
            return str(message.get("content") or "")
        pieces = []
        for line in raw.splitlines():
            data = line.removeprefix("data:").strip()
            if line.startswith("data:") and data and data != "[DONE]":
                for choice in json.loads(data).get("choices", []):
                    pieces.append((choice.get("delta") or {}).get("content") or "")
        return "".join(pieces)

    def chat_requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [body for body in self.requests if "messages" in body]

    def last_chat_index(self) -> int:
        with self._lock:
            return max(index for index, body in enumerate(self.requests) if "messages" in body)


class _EchoHandler(_Quiet):
    def do_POST(self) -> None:
        self._body()
        failure: EchoingFailure = self.server.owner  # type: ignore[attr-defined]
        key = self.headers.get("authorization", "").removeprefix("Bearer ")
        failure.keys_seen.append(key)
        payload = json.dumps({"error": {"message": f"Incorrect API key provided: {key}. Header was "
                                                   f"{self.headers.get('authorization')}",
                                        "type": "invalid_request_error", "code": "invalid_api_key"}}).encode()
        self.send_response(failure.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST


class EchoingFailure(_Server):
    """Answers every request with `status` and an error message that repeats the API key."""

    def __init__(self, status: int) -> None:
        super().__init__(_EchoHandler)
        self.status = status
        self.keys_seen: list[str] = []

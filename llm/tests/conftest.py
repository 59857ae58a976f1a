"""A fake OpenAI-compatible upstream on a real socket (127.0.0.1, a thread), scripted per test."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

API_KEY = "sk-test-0123456789-SECRET-never-shown"


@dataclass
class Answer:
    status: int = 200
    body: bytes | dict | None = None
    delay: float = 0.0
    trickle: bool = False  # send the body a byte every 50 ms
    headers: dict[str, str] = field(default_factory=dict)


def chat_answer(text: str = "Buy low, sell high.", prompt: int = 11, completion: int = 5) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


class FakeUpstream:
    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                with upstream._lock:
                    upstream.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "json": body}
                    )
                    answer = upstream.answers.pop(0) if upstream.answers else Answer()
                time.sleep(answer.delay)
                payload = answer.body if answer.body is not None else chat_answer()
                raw = json.dumps(payload).encode() if isinstance(payload, dict) else payload
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    if answer.trickle:
                        for byte in raw:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.05)
                    else:
                        self.wfile.write(raw)
                except OSError:  # the client gave up (timeout tests)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, *answers: Answer) -> None:
        self.answers.extend(answers)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """The user fixtures hash a password; PBKDF2 costs most of a second per user here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def openai_settings(settings, upstream):
    settings.LLM_PROVIDER = "openai"
    settings.LLM_BASE_URL = upstream.url
    settings.LLM_API_KEY = API_KEY
    settings.LLM_MODELS = ["gpt-test", "gpt-test-mini"]
    settings.LLM_DEFAULT_MODEL = "gpt-test"
    settings.LLM_TIMEOUT_MS = 300
    settings.LLM_MAX_RETRIES = 2
    settings.LLM_RETRY_BACKOFF_MS = 5
    return settings

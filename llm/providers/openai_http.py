"""An OpenAI-compatible chat completions client on the standard library (http.client).

Bounded: each attempt has a time limit covering connect, headers and body; 429 and 5xx answers
and dropped connections are retried with exponential backoff, at most `max_retries` times; a
timeout is not retried (the caller has already waited the whole limit). The API key travels
only in the Authorization header: it is never logged and never part of an error message, and
upstream error bodies (which may quote the key) are neither logged nor passed on."""

from __future__ import annotations

import http.client
import json
import logging
import random
import time
from urllib.parse import urlsplit

from llm.providers.base import Completion, Message, ProviderError, ProviderTimeout
from llm.tokens import prompt_tokens, text_tokens

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_048_576
MAX_BACKOFF_SECONDS = 10.0
_RETRYABLE = {429, 500, 502, 503, 504}


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class OpenAiHttpProvider:
    name = "openai"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout_ms: int,
        max_retries: int,
        backoff_ms: int,
    ) -> None:
        parts = urlsplit(base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._path = parts.path.rstrip("/") + "/chat/completions"
        self._api_key = api_key
        self._timeout = timeout_ms / 1000.0
        self._max_retries = max_retries
        self._backoff = backoff_ms / 1000.0

    def __repr__(self) -> str:  # never the key, even in a traceback's locals
        return f"OpenAiHttpProvider({self._host}{self._path})"

    def complete(
        self, *, model: str, messages: list[Message], max_tokens: int, temperature: float
    ) -> Completion:
        body = json.dumps(
            {
                "model": model,
                "messages": messages,
                "max_tokens": max_tokens,
                "temperature": temperature,
            }
        ).encode()
        attempt = 0
        while True:
            try:
                status, payload = self._post(body)
                return self._parse(status, payload, messages)
            except _Retryable as retry:
                if attempt >= self._max_retries:
                    raise ProviderError(
                        "upstream_unavailable",
                        f"The model provider failed {attempt + 1} times ({retry.reason}).",
                    ) from None
                delay = min(self._backoff * 2**attempt, MAX_BACKOFF_SECONDS)
                # Spread retries of concurrent callers; honour the upstream's Retry-After.
                delay = delay * (0.5 + random.random() / 2)
                if retry.retry_after is not None:
                    delay = min(max(delay, retry.retry_after), MAX_BACKOFF_SECONDS)
                logger.warning(
                    "LLM upstream %s: %s; retry %d/%d in %.2f s",
                    self._host,
                    retry.reason,
                    attempt + 1,
                    self._max_retries,
                    delay,
                )
                time.sleep(delay)
                attempt += 1

    def _post(self, body: bytes) -> tuple[int, bytes]:
        deadline = time.monotonic() + self._timeout
        connection_class = (
            http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        )
        connection = connection_class(self._host, self._port, timeout=self._timeout)
        try:
            connection.request(
                "POST",
                self._path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "Authorization": f"Bearer {self._api_key}",
                },
            )
            sock = connection.sock
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            response = connection.getresponse()
            chunks: list[bytes] = []
            size = 0
            # One recv per read1, each given only what is left of the deadline, so a slow
            # trickle cannot outlast it.
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                sock.settimeout(remaining)
                chunk = response.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise ProviderError(
                        "upstream_invalid_response", "The model provider's answer is too large."
                    )
                chunks.append(chunk)
            retry_after = response.getheader("Retry-After")
            if response.status in _RETRYABLE:
                raise _Retryable(f"HTTP {response.status}", _seconds(retry_after))
            return response.status, b"".join(chunks)
        except TimeoutError:
            raise ProviderTimeout(
                "upstream_timeout",
                f"The model provider did not answer within {self._timeout:g} s.",
            ) from None
        except (ConnectionError, http.client.HTTPException, OSError) as error:
            raise _Retryable(f"connection failed: {type(error).__name__}") from None
        finally:
            connection.close()

    def _parse(self, status: int, payload: bytes, messages: list[Message]) -> Completion:
        if not 200 <= status < 300:
            raise ProviderError(
                "upstream_rejected", f"The model provider refused the request (HTTP {status})."
            )
        try:
            data = json.loads(payload)
            choice = data["choices"][0]
            text = choice["message"]["content"]
            if not isinstance(text, str):
                raise TypeError("content")
            usage = data.get("usage") or {}
            prompt = usage.get("prompt_tokens", prompt_tokens(messages))
            completion = usage.get("completion_tokens", text_tokens(text))
            if not all(type(n) is int and n >= 0 for n in (prompt, completion)):
                raise TypeError("usage")
        except (ValueError, LookupError, TypeError, AttributeError):
            raise ProviderError(
                "upstream_invalid_response",
                "The model provider's answer is not a chat completion.",
            ) from None
        finish = choice.get("finish_reason") if isinstance(choice, dict) else None
        return Completion(
            text=text,
            prompt_tokens=prompt,
            completion_tokens=completion,
            finish_reason=finish if finish in ("stop", "length") else "stop",
        )


def _seconds(header: str | None) -> float | None:
    try:
        return max(float(header), 0.0) if header else None
    except ValueError:
        return None

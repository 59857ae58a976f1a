"""Completion providers behind one interface (providers/base.py); settings choose which."""

from __future__ import annotations

from django.conf import settings

from llm.providers.base import Provider
from llm.providers.mock import MockProvider
from llm.providers.openai_http import OpenAiHttpProvider


def provider_from_settings() -> Provider:
    if settings.LLM_PROVIDER == "openai":
        return OpenAiHttpProvider(
            base_url=settings.LLM_BASE_URL,
            api_key=settings.LLM_API_KEY,
            timeout_ms=settings.LLM_TIMEOUT_MS,
            max_retries=settings.LLM_MAX_RETRIES,
            backoff_ms=settings.LLM_RETRY_BACKOFF_MS,
        )
    return MockProvider()

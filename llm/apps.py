from django.apps import AppConfig


class LlmConfig(AppConfig):
    name = "llm"
    verbose_name = "LLM gateway"

    def ready(self) -> None:
        # The quota ledger (accounts/quotas.py) lists each app's limits; the LLM's join it here.
        from accounts.quotas import quota_source_register
        from llm.quota_sources import llm_quota_source

        quota_source_register(key="llm", source=llm_quota_source)

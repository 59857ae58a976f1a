from django.contrib import admin

from llm.models import LlmLimitOverride, LlmUsage


@admin.register(LlmLimitOverride)
class LlmLimitOverrideAdmin(admin.ModelAdmin):
    list_display = ("user", "requests_per_minute", "tokens_per_day", "note", "updated_at")
    search_fields = ("user__username", "note")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(LlmUsage)
class LlmUsageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "user",
        "provider",
        "model",
        "outcome",
        "prompt_tokens",
        "completion_tokens",
        "latency_ms",
        "detail",
    )
    list_filter = ("outcome", "provider", "model")
    search_fields = ("user__username", "model")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    # The record of what happened: nobody edits it.
    readonly_fields = [field.name for field in LlmUsage._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

from django.contrib import admin
from django.utils.html import format_html

from accounts import quotas_admin  # noqa: F401 - registers the quota ledger and CPU buckets
from accounts.models import Notification, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "nickname", "avatar_preview", "updated_at")
    search_fields = ("user__username", "user__email", "nickname")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="Avatar")
    def avatar_preview(self, profile: Profile) -> str:
        return format_html(
            '<img src="{}" width="28" height="28" style="border-radius:50%">', profile.avatar_src
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "title")
    list_select_related = ("user",)
    raw_id_fields = ("user",)

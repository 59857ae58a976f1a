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
        # An uploaded avatar is served by this site, so showing it is safe. A URL is the
        # user's choice of address: rendered as <img>, every operator's browser would fetch
        # it (internal hosts included), so operators read it as text and never load it.
        if profile.avatar:
            return format_html(
                '<img src="{}" width="28" height="28" style="border-radius:50%">',
                profile.avatar.url,
            )
        if profile.avatar_url:
            return format_html('<code class="avatar-url">{}</code>', profile.avatar_url)
        return "-"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "title")
    list_select_related = ("user",)
    raw_id_fields = ("user",)

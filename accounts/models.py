from __future__ import annotations

from django.conf import settings
from django.db import models
from django.templatetags.static import static


class Profile(models.Model):
    """What a user shows of themselves: nickname and avatar (an uploaded image or a URL)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    nickname = models.CharField(max_length=40, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user.username} ({self.display_name})"

    @property
    def display_name(self) -> str:
        return self.nickname or self.user.username

    @property
    def avatar_src(self) -> str:
        """An uploaded image wins over a URL; without either, the default silhouette."""
        if self.avatar:
            return self.avatar.url
        return self.avatar_url or static("img/avatar.svg")

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from rest_framework import serializers

from accounts.selectors import profile_for_user


class TokenCreateInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeUpdateInputSerializer(serializers.Serializer):
    nickname = serializers.CharField(max_length=40, allow_blank=True, required=False)
    email = serializers.EmailField(required=False)
    avatar_url = serializers.CharField(max_length=500, allow_blank=True, required=False)
    avatar = serializers.FileField(required=False, help_text="Multipart upload of an image.")
    clear_avatar = serializers.BooleanField(default=False)

    def validate(self, attrs: dict) -> dict:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {
                    key: serializers.ErrorDetail("Unknown field.", "unknown_field")
                    for key in sorted(unknown)
                }
            )
        return attrs


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    nickname = serializers.CharField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(help_text="The URL the user set, or empty.")
    avatar_src = serializers.CharField(help_text="What to show: uploaded image, URL or default.")
    is_operator = serializers.BooleanField()
    date_joined = serializers.DateTimeField()

    @classmethod
    def of(cls, user: AbstractBaseUser) -> dict:
        profile = profile_for_user(user=user)
        return cls(
            {
                "id": user.pk,
                "username": user.username,
                "email": user.email,
                "nickname": profile.nickname,
                "display_name": profile.display_name,
                "avatar_url": profile.avatar_url,
                "avatar_src": profile.avatar_src,
                "is_operator": user.is_staff,
                "date_joined": user.date_joined,
            }
        ).data

"""Writes to accounts: one transaction each, the only code that changes this state."""

from __future__ import annotations

import secrets
import uuid

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.avatars import avatar_from_upload
from accounts.models import Profile
from accounts.selectors import profile_for_user

_UNSET = object()


def _clean_nickname(nickname: str) -> str:
    nickname = nickname.strip()
    if len(nickname) > 40:
        raise ValidationError(
            {"nickname": ValidationError("At most 40 characters.", code="max_length")}
        )
    if any(not ch.isprintable() for ch in nickname):
        raise ValidationError(
            {"nickname": ValidationError("Only printable characters.", code="invalid")}
        )
    return nickname


def _clean_email(user: AbstractBaseUser, email: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": ValidationError("Enter a valid email address.", code="invalid")}
        ) from None
    User = get_user_model()
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError(
            {"email": ValidationError("Another account uses this email.", code="unique")}
        )
    return email


def _clean_avatar_url(url: str) -> str:
    url = url.strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError(
                {"avatar_url": ValidationError("Enter an http(s) URL.", code="invalid")}
            ) from None
        if len(url) > 500:
            raise ValidationError(
                {"avatar_url": ValidationError("At most 500 characters.", code="max_length")}
            )
    return url


@transaction.atomic
def profile_update(
    *,
    user: AbstractBaseUser,
    nickname: str | object = _UNSET,
    email: str | object = _UNSET,
    avatar_url: str | object = _UNSET,
    avatar_file: UploadedFile | None = None,
    clear_avatar: bool = False,
) -> Profile:
    """Change what was given; everything is validated before anything is written."""
    profile = profile_for_user(user=user)
    changes: dict[str, object] = {}
    if nickname is not _UNSET:
        changes["nickname"] = _clean_nickname(str(nickname))
    if avatar_url is not _UNSET:
        changes["avatar_url"] = _clean_avatar_url(str(avatar_url))
    new_email = _clean_email(user, str(email)) if email is not _UNSET else None
    new_avatar = avatar_from_upload(avatar_file) if avatar_file is not None else None

    for field, value in changes.items():
        setattr(profile, field, value)
    fields = [*changes, "updated_at"]
    if clear_avatar or new_avatar is not None:
        if profile.avatar:
            profile.avatar.delete(save=False)
        profile.avatar = ""
        fields.append("avatar")
    if new_avatar is not None:
        profile.avatar.save(f"{uuid.uuid4().hex}.png", new_avatar, save=False)
    profile.save(update_fields=fields)

    if new_email is not None and new_email != user.email:
        user.email = new_email
        user.save(update_fields=["email"])
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(user=user, email=new_email, primary=True, verified=False)
    return profile


@transaction.atomic
def user_create(
    *, username: str, email: str, password: str | None, is_staff: bool = False
) -> tuple[AbstractBaseUser, str | None]:
    """A user with a profile and a primary email. Returns the password when one was generated."""
    User = get_user_model()
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    user = User.objects.create_user(
        username=username,
        email=email,
        password=password,
        is_staff=is_staff,
        is_superuser=is_staff,
    )
    Profile.objects.create(user=user)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user, generated


def token_issue(*, user: AbstractBaseUser) -> Token:
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: AbstractBaseUser) -> bool:
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)

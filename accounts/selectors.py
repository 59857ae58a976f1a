from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from accounts.models import Profile


def profile_for_user(*, user: AbstractBaseUser) -> Profile:
    """The user's profile; users made outside sign-up (createsuperuser) get one on first read."""
    profile, _ = Profile.objects.select_related("user").get_or_create(user=user)
    return profile

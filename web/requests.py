"""What views need from the request beyond Django's own helpers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty


def acting_user(request: HttpRequest) -> AbstractBaseUser:
    """The signed-in user as a model instance. The middleware's lazy wrapper is not one, and
    services that lock the user's row (scripts_lib's quota checks) use the user's class."""
    user = request.user
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Profile
from accounts.selectors import profile_for_user


def current_profile(request: HttpRequest) -> dict[str, Profile | None]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_profile": None}
    return {"current_profile": profile_for_user(user=user)}

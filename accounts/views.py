from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm
from accounts.quota_rows import quota_row
from accounts.quotas import quota_report
from accounts.selectors import profile_for_user
from accounts.services import profile_update


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = profile_for_user(user=request.user)
    initial = {
        "nickname": profile.nickname,
        "email": request.user.email,
        "avatar_url": profile.avatar_url,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile_update(
                user=request.user,
                nickname=data["nickname"],
                email=data["email"],
                avatar_url=data["avatar_url"],
                avatar_file=data["avatar"],
                clear_avatar=data["clear_avatar"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile": profile,
         "quotas": [quota_row(quota) for quota in quota_report(user=request.user)]},
    )

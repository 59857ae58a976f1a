from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from accounts.selectors import profile_for_user
from econsim_project.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Every user who signs up gets a profile at once; allauth's rate limits (login, failed
    logins, sign-ups) identify the client as every other limit of the site does."""

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request)

    def save_user(self, request: HttpRequest, user: AbstractBaseUser, form, commit: bool = True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            profile_for_user(user=user)
        return user

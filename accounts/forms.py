from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ProfileForm(forms.Form):
    """Shape of the profile page; the rules themselves live in services.profile_update."""

    nickname = forms.CharField(
        label=_("Nickname"),
        max_length=40,
        required=False,
        help_text=_("Shown instead of your username. Up to 40 characters."),
    )
    email = forms.EmailField(label=_("Email"))
    avatar = forms.FileField(
        label=_("Avatar image"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, up to 2 MB; cropped to a square."),
    )
    avatar_url = forms.CharField(
        label=_("…or avatar URL"), required=False, max_length=500, widget=forms.URLInput
    )
    clear_avatar = forms.BooleanField(label=_("Remove the uploaded image"), required=False)

"""django-allauth's words that its own Simplified Chinese catalogue leaves in English ("Email",
"token"): listed here for makemessages, so this project's catalogue (which takes precedence
over an app's, LOCALE_PATHS) gives them in Chinese on the account pages."""

from django.utils.translation import gettext_noop

ALLAUTH_TEXT = (
    gettext_noop("Username or email"),
    gettext_noop("Verify Your Email Address"),
    gettext_noop("Confirm Email Address"),
    gettext_noop("Email Address"),
    gettext_noop("Email Addresses"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("Primary"),
    gettext_noop("Re-send Verification"),
    gettext_noop("Add Email Address"),
    gettext_noop("Add Email"),
    gettext_noop("Bad Token"),
)

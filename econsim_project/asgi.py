import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econsim_project.settings")
django.setup(set_prefix=False)

from econsim_project.middleware import CappedASGIHandler  # noqa: E402 (after setup)

# Django's own handler reads the whole body before any middleware; this one stops at the cap.
application = CappedASGIHandler()

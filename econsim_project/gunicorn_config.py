"""gunicorn's configuration: `gunicorn --config python:econsim_project.gunicorn_config
econsim_project.wsgi:application` (the image's command).

Values come from settings.py, where the worker timeout is derived from (and checked against)
the LLM gateway's limits, so the two cannot disagree. Loading settings reads and checks the
environment only: no app is set up in the master process.
"""

from __future__ import annotations

import os

from econsim_project import settings

# PORT: 8000 in the image; the tests that replay the image's start pick a free one.
bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
workers = settings.WEB_WORKERS
timeout = settings.WEB_TIMEOUT_SECONDS
accesslog = "-"

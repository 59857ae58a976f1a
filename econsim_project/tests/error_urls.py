"""The project's URLs and error handlers, plus views that fail on purpose (test_error_pages)."""

from django.db import DatabaseError
from django.urls import path

from econsim_project.urls import handler400, handler403, handler404, handler500  # noqa: F401
from econsim_project.urls import urlpatterns as project_urlpatterns


class Boom(Exception):
    """A bug in a view."""


def _boom(request):
    raise Boom("a bug")


def broken_database(request):
    """A context processor whose query fails, as every one does when the database is down."""
    raise DatabaseError("the database is gone")


urlpatterns = [
    path("boom/", _boom),
    path("api/boom/", _boom),
    *project_urlpatterns,
]

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.quotas_api import MeQuotasApi
from accounts.urls import api_urlpatterns as accounts_api
from econsim_project import views
from lab.urls import api_urlpatterns as lab_api
from llm.urls import api_urlpatterns as llm_api
from ops.api import HealthApi
from scripts_lib.urls import api_urlpatterns as scripts_api

admin.site.site_header = "EconSim operator console"
admin.site.site_title = "EconSim"
admin.site.index_title = "Operate the economy"

api_urlpatterns = [
    *accounts_api,
    path("me/quotas/", MeQuotasApi.as_view(), name="api-me-quotas"),
    *llm_api,
    path("health/", HealthApi.as_view(), name="api-health"),
    path("simulations/<int:simulation_id>/history/", include("history.urls")),
    path("", include("simulations.urls")),
    path("", include("orchestration.urls")),
    *scripts_api,
    *lab_api,
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include(api_urlpatterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
    # Uploaded avatars are small and few; Django serves them in every mode so the platform
    # needs no separate file server.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]

handler400 = "econsim_project.views.bad_request_view"
handler403 = "econsim_project.views.forbidden"
handler404 = "econsim_project.views.not_found"
handler500 = "econsim_project.views.server_error"

from django.urls import path

from accounts import api, views

api_urlpatterns = [
    path("auth/token/", api.AuthTokenApi.as_view(), name="api-auth-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
]

urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
]

from django.urls import path

from accounts import api, notifications_api, views

api_urlpatterns = [
    path("auth/token/", api.AuthTokenApi.as_view(), name="api-auth-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("me/notifications/", notifications_api.NotificationListApi.as_view(),
         name="api-notifications"),
    path("me/notifications/read_all/", notifications_api.NotificationReadAllApi.as_view(),
         name="api-notifications-read-all"),
    path("me/notifications/<int:notification_id>/read/",
         notifications_api.NotificationReadApi.as_view(), name="api-notification-read"),
]

urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
]

from django.urls import path

from web.views import docs, notifications

urlpatterns = [
    path("docs/", docs.docs_index, name="docs"),
    path("docs/agents/<slug:agent_type>/", docs.docs_agent, name="docs-agent"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:notification_id>/read/", notifications.notification_read,
         name="notification-read"),
    path("notifications/read_all/", notifications.notification_read_all,
         name="notifications-read-all"),
]

from django.urls import path

from llm import api

api_urlpatterns = [
    path("llm/completions/", api.CompletionCreateApi.as_view(), name="api-llm-completions"),
    path("llm/usage/", api.UsageListApi.as_view(), name="api-llm-usage"),
    path("llm/usage/daily/", api.UsageDailyApi.as_view(), name="api-llm-usage-daily"),
]

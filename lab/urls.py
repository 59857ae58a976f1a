from django.urls import path

from lab import api

api_urlpatterns = [
    path("scripts/<int:script_id>/versions/<int:number>/backtests/",
         api.BacktestCreateApi.as_view(), name="api-script-version-backtests"),
    path("backtests/", api.BacktestListApi.as_view(), name="api-backtests"),
    path("backtests/<int:backtest_id>/", api.BacktestDetailApi.as_view(), name="api-backtest"),
    path("backtests/<int:backtest_id>/series/", api.BacktestSeriesApi.as_view(),
         name="api-backtest-series"),
    path("backtests/<int:backtest_id>/cancel/", api.BacktestCancelApi.as_view(),
         name="api-backtest-cancel"),
]

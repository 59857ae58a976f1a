from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "lab"
    verbose_name = "Strategy lab"

    def ready(self) -> None:
        # The backtest tasks are registered in every process; the quota ledger lists
        # backtest ticks.
        import lab.tasks  # noqa: F401
        from accounts.quotas import quota_source_register
        from lab.quotas import backtest_quota_source

        quota_source_register(key="backtest_ticks", source=backtest_quota_source)

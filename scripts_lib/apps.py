from django.apps import AppConfig


class ScriptsLibConfig(AppConfig):
    name = "scripts_lib"
    verbose_name = "Strategy scripts"

    def ready(self) -> None:
        # The accounts quota ledger lists every app's limits; the script quotas join it here.
        from accounts.quotas import quota_source_register
        from scripts_lib.quotas import script_quota_source

        quota_source_register(key="scripts", source=script_quota_source)

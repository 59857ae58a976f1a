from django.apps import AppConfig


class SimulationsConfig(AppConfig):
    name = "simulations"
    verbose_name = "Simulations"

    def ready(self) -> None:
        # Imported here: the ledger's modules need the app registry.
        from accounts.quotas import quota_source_register
        from simulations.quotas import claimed_agents_quota_source

        quota_source_register(key="simulations", source=claimed_agents_quota_source)

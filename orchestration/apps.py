from django.apps import AppConfig


class OrchestrationConfig(AppConfig):
    name = "orchestration"
    verbose_name = "Orchestration"

    def ready(self) -> None:
        # Registers the run task in every process: the runs module finds it by name.
        import orchestration.tasks  # noqa: F401

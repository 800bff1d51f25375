from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    """No models: installed so that the job worker finds ``workflows.tasks``."""

    name = "workflows"
    verbose_name = "Workflows"

from django.apps import AppConfig


class BackendConfig(AppConfig):
    name = "backend"
    verbose_name = "Lantern"

    def ready(self) -> None:
        # Decision actions for the moderation admin need workflows.decide, which moderation may not import;
        # the admin has autodiscovered moderation.admin by now (django.contrib.admin is listed first).
        from backend import moderation_admin  # noqa: F401

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from reports.models import Category, District, ServiceArea
        from reports.reference import reference_forget

        # Per-process snapshots of reference data must not outlive a change made here.
        for model in (Category, ServiceArea, District):
            post_save.connect(reference_forget, sender=model, dispatch_uid=f"reference-forget-save-{model.__name__}")
            post_delete.connect(reference_forget, sender=model, dispatch_uid=f"reference-forget-del-{model.__name__}")

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from referrals.directory import partner_directory_forget
        from referrals.models import Jurisdiction, Partner

        # The per-process partner directory must not outlive a change made here.
        for model in (Partner, Jurisdiction):
            post_save.connect(partner_directory_forget, sender=model, dispatch_uid=f"directory-save-{model.__name__}")
            post_delete.connect(partner_directory_forget, sender=model, dispatch_uid=f"directory-del-{model.__name__}")
        for through in (Partner.jurisdictions.through, Partner.categories.through):
            m2m_changed.connect(
                partner_directory_forget, sender=through, dispatch_uid=f"directory-m2m-{through.__name__}"
            )

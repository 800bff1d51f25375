"""The partner directory and the referral outbox in the admin.

Signing secrets and Open311 keys are write-only: an operator can set or rotate them, never read them
back (a new generated secret is shown once, to hand to the partner). Referral payloads are not shown at
all: operators diagnose deliveries, they do not read reports.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kernel.admin import GEOMETRY_AS_TEXT
from referrals.models import Jurisdiction, Partner, Referral, ReferralAttempt, ReferralStatusChange
from referrals.services import referrals_requeue
from referrals.signatures import secret_new


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    formfield_overrides = GEOMETRY_AS_TEXT


class PartnerForm(forms.ModelForm):
    new_signing_secret = forms.CharField(
        label=gettext_lazy("New signing secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Leave empty to keep the current one. A new partner without one gets a "
                               "generated secret, shown once after saving."),
    )
    rotate_signing_secret = forms.BooleanField(
        label=gettext_lazy("Generate a new signing secret"), required=False,
        help_text=gettext_lazy("The old secret stops working at once; the new one is shown once."),
    )
    new_open311_api_key = forms.CharField(
        label=gettext_lazy("New Open311 api_key"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Open311 partners only. Leave empty to keep the current one."),
    )

    class Meta:
        model = Partner
        # The secret and the key are not among the fields: they are written through the new_* fields only.
        fields = [
            "name", "kind", "is_active", "jurisdictions", "categories", "languages", "channel", "endpoint",
            "service_codes", "data_fields",
        ]

    def clean_new_signing_secret(self) -> str:
        secret = self.cleaned_data["new_signing_secret"]
        if secret and len(secret) < 24:
            raise forms.ValidationError(_("Use at least 24 characters; better, let Lantern generate one."))
        return secret


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = ["name", "kind", "channel", "is_active", "has_secret", "endpoint"]
    list_filter = ["kind", "channel", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["jurisdictions", "categories"]

    @admin.display(boolean=True, description=gettext_lazy("signing secret set"))
    def has_secret(self, partner: Partner) -> bool:
        return bool(partner.signing_secret)

    def save_model(self, request: HttpRequest, obj: Partner, form: PartnerForm, change: bool) -> None:
        shown = ""
        if form.cleaned_data.get("new_signing_secret"):
            obj.signing_secret = form.cleaned_data["new_signing_secret"]
        elif form.cleaned_data.get("rotate_signing_secret") or not obj.signing_secret:
            obj.signing_secret = shown = secret_new()
        if form.cleaned_data.get("new_open311_api_key"):
            obj.open311_api_key = form.cleaned_data["new_open311_api_key"]
        super().save_model(request, obj, form, change)
        if shown:
            messages.warning(request, _(
                "Signing secret for %(name)s, shown only this once; give it to the partner: %(secret)s"
            ) % {"name": obj.name, "secret": shown})


class DeadLetterFilter(admin.SimpleListFilter):
    title = gettext_lazy("dead letter")
    parameter_name = "dead_letter"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("Dead letters (refused or given up)")), ("no", _("Everything else"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Referral]) -> QuerySet[Referral]:
        if self.value() == "yes":
            return queryset.filter(state__in=Referral.DEAD_LETTER_STATES)
        if self.value() == "no":
            return queryset.exclude(state__in=Referral.DEAD_LETTER_STATES)
        return queryset


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReferralAttemptInline(_ReadOnlyInline):
    model = ReferralAttempt
    fields = ["number", "started_at", "finished_at", "outcome", "status_code", "detail"]
    readonly_fields = fields


class ReferralStatusChangeInline(_ReadOnlyInline):
    model = ReferralStatusChange
    fields = ["created_at", "status", "message"]
    readonly_fields = fields


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = [
        "short_id", "partner", "partner_kind", "state", "urgent", "attempts", "next_attempt_at", "status",
        "created_at", "short_error",
    ]
    list_filter = [DeadLetterFilter, "state", "partner_kind", "urgent", "status", "partner"]
    search_fields = ["=id", "=event_id", "partner__name"]
    list_select_related = ["partner"]
    date_hierarchy = "created_at"
    fields = [
        "id", "event_id", "report", "partner", "partner_kind", "urgent", "routed_by", "fields", "state",
        "attempts", "next_attempt_at", "lease_expires_at", "give_up_at", "last_error", "remote_id",
        "created_at", "delivered_at", "dead_at", "erased_at", "status", "status_message", "status_updated_at",
    ]
    readonly_fields = fields
    inlines = [ReferralAttemptInline, ReferralStatusChangeInline]
    actions = ["requeue_selected"]

    @admin.display(description=gettext_lazy("referral"))
    def short_id(self, referral: Referral) -> str:
        return str(referral.id)[:8]

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, referral: Referral) -> str:
        return referral.last_error[:80]

    @admin.action(description=gettext_lazy("Requeue the selected dead letters (send again now)"))
    def requeue_selected(self, request: HttpRequest, queryset: QuerySet[Referral]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        requeued = referrals_requeue(referral_ids=ids)
        skipped = len(ids) - requeued
        self.message_user(
            request,
            ngettext("Requeued %(count)d referral.", "Requeued %(count)d referrals.", requeued) % {"count": requeued},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d referral was not a dead letter and was left alone.",
                    "%(count)d referrals were not dead letters and were left alone.",
                    skipped,
                ) % {"count": skipped},
                messages.WARNING,
            )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

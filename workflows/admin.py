"""The moderation queue in the admin, with its decision actions: the one registration of ``Case``.

``moderation.admin.CaseAdmin`` shows cases; deciding also changes the report, its alert and its referrals
(``workflows.decide.report_decide``), which moderation does not import, so the deciding admin is registered
here, where the workflows live.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.admin import CaseAdmin
from moderation.console import MODERATOR_REASONS
from moderation.errors import ModerationError
from moderation.models import Case, Decision, RuleHit
from moderation.services import case_claim
from workflows.decide import report_decide


class DecisionForm(forms.Form):
    reason_code = forms.ChoiceField(label=gettext_lazy("Reason code"))
    note = forms.CharField(
        label=gettext_lazy("Note (optional, internal)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(self, *args: Any, hit_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = [
            ("", "—"),
            (_("Rules that hit these reports"), [(code, code) for code in hit_codes]),
            (_("Moderator reasons"), [(code, f"{code} — {label}") for code, label in MODERATOR_REASONS]),
        ]


class DecidingCaseAdmin(CaseAdmin):
    actions = ["claim_selected", "approve_selected", "approve_redacted_selected", "reject_selected",
               "escalate_selected"]

    @admin.action(description=gettext_lazy("Claim the selected reports"), permissions=["decide"])
    def claim_selected(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        done, refused = 0, []
        for case in queryset:
            try:
                case_claim(report_id=case.report_id, moderator=request.user)
                done += 1
            except ModerationError as refusal:
                refused.append(f"{str(case.report_id)[:8]}: {refusal.detail}")
        self._tell(request, done, refused, _("Claimed %(count)d report(s)."))

    @admin.action(description=gettext_lazy("Approve the selected reports…"), permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Case]) -> HttpResponse | None:
        return self._decide(request, queryset, Decision.Outcome.APPROVE, "approve_selected")

    @admin.action(description=gettext_lazy("Approve the selected reports, redacted…"), permissions=["decide"])
    def approve_redacted_selected(self, request: HttpRequest, queryset: QuerySet[Case]) -> HttpResponse | None:
        return self._decide(request, queryset, Decision.Outcome.APPROVE_REDACTED, "approve_redacted_selected")

    @admin.action(description=gettext_lazy("Reject the selected reports…"), permissions=["decide"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Case]) -> HttpResponse | None:
        return self._decide(request, queryset, Decision.Outcome.REJECT, "reject_selected")

    @admin.action(description=gettext_lazy("Escalate the selected reports…"), permissions=["decide"])
    def escalate_selected(self, request: HttpRequest, queryset: QuerySet[Case]) -> HttpResponse | None:
        return self._decide(request, queryset, Decision.Outcome.ESCALATE, "escalate_selected")

    def _decide(self, request: HttpRequest, queryset: QuerySet[Case], outcome: str, action: str) -> HttpResponse | None:
        """First answer: a page asking for the reason; second (``apply``): claim and decide each case."""
        cases = list(queryset.select_related("report__category", "report__district"))
        hit_codes = sorted(set(RuleHit.objects.filter(case__in=cases).values_list("code", flat=True)))
        form = DecisionForm(request.POST if "apply" in request.POST else None, hit_codes=hit_codes)
        if form.is_bound and form.is_valid():
            done, refused = 0, []
            for case in cases:
                try:
                    # Claim and decision together per case: a refused decision leaves no dangling claim.
                    with transaction.atomic():
                        case_claim(report_id=case.report_id, moderator=request.user)
                        report_decide(
                            report_id=case.report_id, moderator=request.user, decision=outcome,
                            reason_code=form.cleaned_data["reason_code"], note=form.cleaned_data["note"],
                        )
                    done += 1
                except ModerationError as refusal:
                    refused.append(f"{str(case.report_id)[:8]}: {refusal.detail}")
            self._tell(request, done, refused, _("Decided on %(count)d report(s)."))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(outcome)s: give a reason") % {"outcome": Decision.Outcome(outcome).label},
            "opts": self.model._meta,
            "cases": cases,
            "form": form,
            "action": action,
            "outcome": Decision.Outcome(outcome).label,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/moderation/case/decide.html", context)

    def _tell(self, request: HttpRequest, done: int, refused: list[str], success: str) -> None:
        if done:
            self.message_user(request, success % {"count": done}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)


admin.site.register(Case, DecidingCaseAdmin)

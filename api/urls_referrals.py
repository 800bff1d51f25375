"""HTTP routes of the referrals part, included by api/urls.py: partners' status updates and Open311."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from api.open311 import urls as open311_urls
from api.views import partners

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/partners/referrals/<str:referral_id>/status/", partners.PartnerReferralStatusView.as_view(),
         name="partner-referral-status"),
    *open311_urls.urlpatterns,
]

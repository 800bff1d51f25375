"""Partners post news about the referrals they received: ``POST /api/v1/partners/referrals/{id}/status/``.

Partners have no account: each request is signed with the partner's signing secret (see
``referrals.signatures``), and only the partner a referral was sent to can sign news about it.
"""

from __future__ import annotations

import time
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.middleware import principal_record
from api.parsers import BoundedJSONParser
from api.ratelimits import BY_IP, rate_limit_enforce
from api.serializers.referrals import PartnerStatusInputSerializer, PartnerStatusOutputSerializer
from referrals.models import Referral
from referrals.selectors import referral_for_partner_update
from referrals.services import partner_event_claim
from referrals.signatures import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureInvalid,
    request_signature_verify,
)
from workflows.referral_news import report_referral_status_update

_REFUSALS = {
    "missing": lambda: _("Sign the request: send the %(event)s, %(timestamp)s and %(signature)s headers.")
    % {"event": EVENT_ID_HEADER, "timestamp": TIMESTAMP_HEADER, "signature": SIGNATURE_HEADER},
    "event": lambda: _("%(header)s must be at most 100 printable ASCII characters.") % {"header": EVENT_ID_HEADER},
    "scheme": lambda: _("Sign with the v2 scheme (method, path, timestamp, event id and body); v1 is refused here."),
    "timestamp": lambda: _("%(header)s must be the time in Unix seconds.") % {"header": TIMESTAMP_HEADER},
    "stale": lambda: _("The timestamp is more than five minutes away from now; sign the request again."),
    # An unknown referral reads the same as a bad signature, so nobody learns which referrals exist.
    "mismatch": lambda: _("The signature does not match, or this referral was not sent to you."),
}


def _verify_signature(request: Request, referral: Referral | None) -> Referral:
    body = request.body
    try:
        if referral is None:
            raise SignatureInvalid("mismatch", "unknown referral")
        event_id = request_signature_verify(
            secret=referral.partner.signing_secret, method=request.method or "", path=request.path,
            timestamp=request.headers.get(TIMESTAMP_HEADER), event_id=request.headers.get(EVENT_ID_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER), body=body, now=time.time(),
        )
    except SignatureInvalid as refusal:
        raise exceptions.AuthenticationFailed(_REFUSALS[refusal.code]()) from refusal
    partner_event_claim(partner_id=referral.partner_id, event_id=event_id)
    return referral


class PartnerReferralStatusView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser]

    def get_authenticate_header(self, request: Request) -> str:
        return 'Lantern-Signature realm="partners"'

    @extend_schema(
        request=PartnerStatusInputSerializer,
        responses=PartnerStatusOutputSerializer,
        parameters=[
            OpenApiParameter(EVENT_ID_HEADER, str, OpenApiParameter.HEADER, required=True,
                             description="the partner's id of this update (a UUID); a second use is refused"),
            OpenApiParameter(TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True,
                             description="Unix seconds; refused when more than five minutes from now"),
            OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True,
                             description='"v2=" + hex HMAC-SHA256(signing secret, "v2\\n" + method + "\\n" + path'
                                         ' + "\\n" + timestamp + "\\n" + event id + "\\n" + raw body)'),
        ],
        auth=[],
        tags=["partners"],
        summary="A partner's status update on a referral (received, in_progress, closed)",
    )
    def post(self, request: Request, referral_id: str) -> Response:
        rate_limit_enforce(request, scope="partner_status_ip", key=BY_IP)
        referral = _verify_signature(request, referral_for_partner_update(referral_id=referral_id))
        principal_record(request, kind="partner")
        serializer = PartnerStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        news = report_referral_status_update(
            referral_id=referral.pk, status=serializer.validated_data["status"],
            message=serializer.validated_data["message"],
        )
        return Response(PartnerStatusOutputSerializer(news.referral).data)

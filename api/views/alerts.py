"""Public alerts near a point, the zones a device watches, and its alert settings."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.public import alert_feature, alert_public
from alerts.selectors import alert_get, alert_list_near, subscription_get_for, subscription_list_for
from alerts.services import subscription_create, subscription_delete, subscription_update
from api.permissions import IsDevice
from api.ratelimits import BY_PRINCIPAL, rate_limit_enforce
from api.serializers.alerts import (
    AlertCollectionSerializer,
    AlertFeatureSerializer,
    AlertQuerySerializer,
    AlertSettingsSerializer,
    SubscriptionInputSerializer,
    SubscriptionOutputSerializer,
)
from reports.services import device_alert_settings_update

# Published points never change (noise is drawn once and stored), so a short private cache is safe.
_CACHE = {"Cache-Control": "private, max-age=30"}
GEOJSON_CONTENT_TYPE = "application/geo+json"


def _language(request: Request) -> str:
    """The language the app asked for (Accept-Language), else the one the device registered with."""
    if request.headers.get("Accept-Language"):
        return get_language() or request.user.locale
    return request.user.locale


class AlertListView(APIView):
    """Active alerts near a point, as GeoJSON: published (noised, snapped) points only."""

    permission_classes = [IsDevice]

    @extend_schema(parameters=[AlertQuerySerializer],
                   responses={(200, GEOJSON_CONTENT_TYPE): AlertCollectionSerializer}, tags=["alerts"],
                   operation_id="api_v1_alerts_list")
    def get(self, request: Request) -> Response:
        rate_limit_enforce(request, scope="alert_list_device", key=BY_PRINCIPAL)
        query = AlertQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        alerts = alert_list_near(point=Point(data["lng"], data["lat"], srid=4326), radius_m=data["radius_m"])
        language, time_zone = _language(request), request.user.time_zone
        features = [alert_feature(alert_public(alert), language=language, time_zone=time_zone) for alert in alerts]
        return Response({"type": "FeatureCollection", "features": features}, headers=_CACHE,
                        content_type=GEOJSON_CONTENT_TYPE)


class AlertDetailView(APIView):
    permission_classes = [IsDevice]

    @extend_schema(responses={(200, GEOJSON_CONTENT_TYPE): AlertFeatureSerializer}, tags=["alerts"])
    def get(self, request: Request, alert_id: str) -> Response:
        feature = alert_feature(
            alert_public(alert_get(alert_id=alert_id)), language=_language(request), time_zone=request.user.time_zone
        )
        return Response(feature, headers=_CACHE, content_type=GEOJSON_CONTENT_TYPE)


class AlertSettingsView(APIView):
    """Quiet hours (in the device's time zone) and the daily cap on alert pushes."""

    permission_classes = [IsDevice]

    @extend_schema(responses=AlertSettingsSerializer, tags=["alerts"])
    def get(self, request: Request) -> Response:
        return Response(AlertSettingsSerializer.of(request.user))

    @extend_schema(request=AlertSettingsSerializer, responses=AlertSettingsSerializer, tags=["alerts"])
    def patch(self, request: Request) -> Response:
        serializer = AlertSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes = {}
        if "quiet_hours" in data:
            quiet = data["quiet_hours"]
            changes["quiet_hours"] = (quiet["start"], quiet["end"]) if quiet else None
        device = device_alert_settings_update(
            device=request.user, daily_push_cap=data.get("daily_push_cap"), **changes
        )
        return Response(AlertSettingsSerializer.of(device))


class SubscriptionCollectionView(APIView):
    permission_classes = [IsDevice]

    @extend_schema(responses=SubscriptionOutputSerializer(many=True), tags=["alerts"])
    def get(self, request: Request) -> Response:
        return Response(SubscriptionOutputSerializer(subscription_list_for(device=request.user), many=True).data)

    @extend_schema(request=SubscriptionInputSerializer, responses={201: SubscriptionOutputSerializer}, tags=["alerts"])
    def post(self, request: Request) -> Response:
        serializer = SubscriptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = subscription_create(device=request.user, **serializer.validated_data)
        return Response(
            SubscriptionOutputSerializer(subscription).data, status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/subscriptions/{subscription.id}/"},
        )


class SubscriptionDetailView(APIView):
    permission_classes = [IsDevice]

    @extend_schema(responses=SubscriptionOutputSerializer, tags=["alerts"])
    def get(self, request: Request, subscription_id: str) -> Response:
        subscription = subscription_get_for(device=request.user, subscription_id=subscription_id)
        return Response(SubscriptionOutputSerializer(subscription).data)

    @extend_schema(request=SubscriptionInputSerializer, responses=SubscriptionOutputSerializer, tags=["alerts"])
    def patch(self, request: Request, subscription_id: str) -> Response:
        subscription = subscription_get_for(device=request.user, subscription_id=subscription_id)
        serializer = SubscriptionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        subscription = subscription_update(subscription=subscription, **serializer.validated_data)
        return Response(SubscriptionOutputSerializer(subscription).data)

    @extend_schema(responses={204: None}, tags=["alerts"])
    def delete(self, request: Request, subscription_id: str) -> Response:
        subscription_delete(subscription=subscription_get_for(device=request.user, subscription_id=subscription_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

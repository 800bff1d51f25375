from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsDevice
from api.ratelimits import BY_IP, rate_limit_enforce
from api.serializers.devices import (
    DeviceCreatedSerializer,
    DeviceInputSerializer,
    DeviceOutputSerializer,
    DeviceUpdateSerializer,
)
from reports.models import Device
from reports.services import device_delete, device_register, device_update


class DeviceRegisterView(APIView):
    """Register an installation of the app; answers its id and bearer token (shown once)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=DeviceInputSerializer, responses={201: DeviceCreatedSerializer}, tags=["devices"])
    def post(self, request: Request) -> Response:
        rate_limit_enforce(request, scope="device_register_ip", key=BY_IP)
        serializer = DeviceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, token = device_register(**serializer.validated_data)
        return Response({"id": device.id, "token": token}, status=status.HTTP_201_CREATED)


class DeviceDetailView(APIView):
    """The calling device itself: ``{id}`` must be its own id (or ``me``), anything else is 404."""

    permission_classes = [IsDevice]

    def _own(self, request: Request, device_id: str) -> Device:
        device: Device = request.user
        if device_id != "me" and device_id != str(device.id):
            raise Device.DoesNotExist
        return device

    @extend_schema(responses=DeviceOutputSerializer, tags=["devices"])
    def get(self, request: Request, device_id: str) -> Response:
        return Response(DeviceOutputSerializer(self._own(request, device_id)).data)

    @extend_schema(request=DeviceUpdateSerializer, responses=DeviceOutputSerializer, tags=["devices"])
    def patch(self, request: Request, device_id: str) -> Response:
        device = self._own(request, device_id)
        serializer = DeviceUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device = device_update(device=device, **serializer.validated_data)
        return Response(DeviceOutputSerializer(device).data)

    @extend_schema(responses={204: None}, tags=["devices"])
    def delete(self, request: Request, device_id: str) -> Response:
        device_delete(device=self._own(request, device_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

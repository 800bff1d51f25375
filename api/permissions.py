"""Who may call what. Roles are Django groups named after settings.STAFF_ROLES."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from api.models import ApiKey
from reports.models import Device


class IsDevice(BasePermission):
    """A citizen's app, authenticated with its device token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, Device)


class IsAuthority(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, ApiKey)


def user_has_role(user: Any, *roles: str) -> bool:
    if isinstance(user, (Device, ApiKey)) or user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=roles).exists()


def HasRole(*roles: str) -> type[BasePermission]:
    """``permission_classes = [HasRole("moderator")]``: staff with one of the roles, or an admin."""

    class _HasRole(BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            return user_has_role(request.user, *roles, "admin")

    _HasRole.__name__ = f"HasRole({', '.join(roles)})"
    return _HasRole

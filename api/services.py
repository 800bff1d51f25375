"""Writes at the HTTP edge: staff accounts and their tokens, authority API keys."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction

from api.models import ApiKey, StaffToken
from referrals.models import Jurisdiction
from reports.credentials import credential_digest, credential_new

STAFF_TOKEN_PREFIX = "lts"  # noqa: S105 - a label, not a secret
API_KEY_PREFIX = "lta"


@transaction.atomic
def staff_account_create(
    *, username: str, role: str, password: str | None = None, email: str = ""
) -> tuple[AbstractBaseUser, str]:
    """Create (or update the role of) a staff account; answers the user and a new API token.

    Roles are Django groups, so the admin can see and change them; ``admin`` is also a superuser.
    """
    if role not in settings.STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(settings.STAFF_ROLES)}")
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.is_superuser = role == "admin"
    if password:
        user.set_password(password)
    elif not user.has_usable_password():
        user.set_unusable_password()
    user.save()
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user, staff_token_issue(user=user)


def staff_token_issue(*, user: AbstractBaseUser, token: str | None = None) -> str:
    token = token or credential_new(STAFF_TOKEN_PREFIX)
    StaffToken.objects.update_or_create(
        key_hash=credential_digest(token), defaults={"user": user, "prefix": token[:10], "revoked_at": None}
    )
    return token


@transaction.atomic
def api_key_create(*, name: str, jurisdiction_names: list[str] | None = None) -> tuple[ApiKey, str]:
    """A new authority API key; raises ``Jurisdiction.DoesNotExist`` for an unknown jurisdiction."""
    jurisdictions = [Jurisdiction.objects.get(name=jname) for jname in jurisdiction_names or []]
    key = credential_new(API_KEY_PREFIX)
    api_key, _ = ApiKey.objects.update_or_create(
        name=name, defaults={"key_hash": credential_digest(key), "prefix": key[:10], "revoked_at": None}
    )
    api_key.jurisdictions.set(jurisdictions)
    return api_key, key

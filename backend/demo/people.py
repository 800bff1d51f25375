"""The demo's people: staff accounts with published passwords and tokens, an authority's API key, partners."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from api.models import ApiKey, StaffToken
from api.services import staff_account_create, staff_token_issue
from backend.demo.city import MUNICIPALITY, POLICE_NORTH, POLICE_SOUTH, Say
from referrals.models import Jurisdiction, Partner
from reports.credentials import credential_digest
from reports.models import Category

DEMO_PASSWORD = "lantern-demo"  # noqa: S105 - a published demo password, refused in production
DEMO_ROLES = ("moderator", "analyst", "partner", "admin")
# Demo accounts carry this e-mail domain, so a real account that happens to be called "admin" is never
# given the published password or token.
DEMO_EMAIL_DOMAIN = "demo.lantern.invalid"
DEMO_API_KEY_NAME = "City of Ghent (demo)"
DEMO_API_KEY = "demo-authority-key"
# Demo partners point at the discard port, which nothing answers locally: their referrals retry, as real ones
# would while a partner is down. Each has its own secret (published, like the demo passwords): with one
# shared secret, any demo partner could sign news about another's referrals.
_OLD_SHARED_DEMO_SECRET = "lantern-demo-partner-secret"  # noqa: S105 - the published one every demo partner had
DEMO_PARTNERS: tuple[dict[str, Any], ...] = (
    {"name": "Ghent Police North (demo)", "kind": "police", "channel": "webhook",
     "secret": "lantern-demo-police-north-secret",
     "endpoint": "http://127.0.0.1:9/referrals/police-north", "jurisdictions": (POLICE_NORTH,)},
    {"name": "Ghent Police South (demo)", "kind": "police", "channel": "webhook",
     "secret": "lantern-demo-police-south-secret",
     "endpoint": "http://127.0.0.1:9/referrals/police-south", "jurisdictions": (POLICE_SOUTH,)},
    {"name": "Victim Support Ghent (demo)", "kind": "victim_support", "channel": "email",
     "secret": "lantern-demo-victim-support-secret",
     "endpoint": f"victim-support@{DEMO_EMAIL_DOMAIN}", "jurisdictions": (MUNICIPALITY,),
     "languages": ["nl", "fr", "en"]},
    {"name": "City of Ghent street services (demo)", "kind": "municipal_service", "channel": "open311",
     "secret": "lantern-demo-street-services-secret",
     "endpoint": "http://127.0.0.1:9/open311/v2/", "jurisdictions": (MUNICIPALITY,),
     "categories": ("insecurity.poor_lighting", "insecurity.neglected_place", "antisocial.littering",
                    "property.vandalism")},
)


def staff_accounts_load(*, say: Say, warn: Say) -> list[tuple[str, str, str, str]]:
    user_model = get_user_model()
    rows = []
    for role in DEMO_ROLES:
        email = f"{role}@{DEMO_EMAIL_DOMAIN}"
        user = user_model.objects.filter(username=role).first()
        if user is not None and user.email != email:
            warn(f"Account {role!r} exists and is not a demo account: left as it is.")
            rows.append((role, "(unchanged)", role, "(none)"))
            continue
        if user is None or not user.groups.filter(name=role).exists():
            user, random_token = staff_account_create(
                username=role, role=role, password=DEMO_PASSWORD, email=email
            )
            # The service always issues a token; the demo account has its fixed one instead, and an
            # unused credential nobody has seen is only something that could leak.
            StaffToken.objects.filter(key_hash=credential_digest(random_token)).delete()
            say(f"Account: created {role}")
        token = staff_token_issue(user=user, token=f"demo-{role}-token")
        rows.append((role, DEMO_PASSWORD, role, token))
    return rows


def api_key_load(*, say: Say) -> None:
    api_key, created = ApiKey.objects.get_or_create(
        name=DEMO_API_KEY_NAME,
        defaults={"key_hash": credential_digest(DEMO_API_KEY), "prefix": DEMO_API_KEY[:10]},
    )
    if created:
        api_key.jurisdictions.set(Jurisdiction.objects.filter(name=MUNICIPALITY))
        say(f"API key: created {DEMO_API_KEY_NAME}")


def partners_load(*, say: Say) -> None:
    """A police partner per police area, a victim-support service and an Open311 municipal service.
    Demo reports are bulk-created, never through report_submit, so none of them is referred."""
    for spec in DEMO_PARTNERS:
        partner, created = Partner.objects.get_or_create(
            name=spec["name"],
            defaults={
                "kind": spec["kind"], "channel": spec["channel"], "endpoint": spec["endpoint"],
                "signing_secret": spec["secret"], "languages": spec.get("languages", []),
                "open311_api_key": DEMO_API_KEY if spec["channel"] == "open311" else "",
            },
        )
        if partner.signing_secret == _OLD_SHARED_DEMO_SECRET:
            # A demo seeded before the partners had their own secrets: give each its own now.
            partner.signing_secret = spec["secret"]
            partner.save(update_fields=["signing_secret", "updated_at"])
        if created:
            partner.jurisdictions.set(Jurisdiction.objects.filter(name__in=spec["jurisdictions"]))
            partner.categories.set(Category.objects.filter(code__in=spec.get("categories", ())))
            say(f"Partner: created {partner.name}")

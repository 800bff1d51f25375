"""The report taxonomy: categories and their groups, kept as data in ``reports/data/categories.json``.

Codes are stable because apps and partners store them, so a category is never deleted: one that leaves
the file is deactivated and keeps its old reports.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "categories.json"
SYNCED_FIELDS = ("group", "labels", "sensitive", "signals_danger", "position", "is_active", "corroboration")

# What must hold before a published report becomes a public alert. "never": no alert at all (sensitive
# categories always); "moderator": a moderator approved this report; "two_devices": another device reported
# the same category nearby within the hour; "either": one of the two.
CORROBORATION_POLICIES = ("never", "moderator", "two_devices", "either")
# A category the file does not say anything about waits for a human: the cautious default.
CORROBORATION_DEFAULT = "moderator"


def corroboration_policy(category: dict[str, Any]) -> str:
    """The alert policy of a taxonomy entry: sensitive categories are never alerted, whatever the file says."""
    if category.get("sensitive"):
        return "never"
    return str(category.get("corroboration", CORROBORATION_DEFAULT))


def taxonomy_load() -> dict[str, Any]:
    """The taxonomy file as a fresh dict (callers may change it), checked for the mistakes sync would hide."""
    taxonomy = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    groups = taxonomy["groups"]
    seen: set[str] = set()
    for category in taxonomy["categories"]:
        code = category["code"]
        if code in seen:
            raise ValueError(f"category {code!r} appears twice in {TAXONOMY_FILE.name}")
        seen.add(code)
        if category["group"] not in groups or not code.startswith(category["group"] + "."):
            raise ValueError(f"category {code!r} does not sit in a known group named by its prefix")
        if "en" not in category["labels"]:
            raise ValueError(f"category {code!r} has no English label")
        if category.get("corroboration", CORROBORATION_DEFAULT) not in CORROBORATION_POLICIES:
            raise ValueError(f"category {code!r} has an unknown corroboration policy")
        if category.get("sensitive") and category.get("corroboration", "never") != "never":
            raise ValueError(f"category {code!r} is sensitive: it can never be alerted")
    return taxonomy


@lru_cache(maxsize=1)
def _group_labels() -> dict[str, dict[str, str]]:
    return {code: group["labels"] for code, group in taxonomy_load()["groups"].items()}


def group_label(group: str, language: str) -> str:
    """The label of a category group in a language, falling back to English, then to the code."""
    labels = _group_labels().get(group, {})
    return labels.get(language) or labels.get(language.split("-")[0].lower()) or labels.get("en") or group


def taxonomy_sync(*, category_model: type[models.Model] | None = None) -> int:
    """Make the Category table match the file; answers how many rows were created, changed or deactivated.

    ``category_model`` lets a data migration pass its historical model; only fields that exist since
    ``0001_initial`` are written, so old migrations keep working as the model grows. ``descriptions`` is
    left alone: it is edited in the admin, not in the file.
    """
    if category_model is None:
        from reports.models import Category

        category_model = Category
    manager = category_model._default_manager
    wanted = {
        category["code"]: {
            "group": category["group"],
            "labels": category["labels"],
            "sensitive": bool(category.get("sensitive", False)),
            "signals_danger": bool(category.get("signals_danger", False)),
            "position": int(category.get("position", 0)),
            "is_active": True,
            "corroboration": corroboration_policy(category),
        }
        for category in taxonomy_load()["categories"]
    }
    # A data migration's historical model may predate a field: write only what it has.
    known = {field.name for field in category_model._meta.get_fields()}
    for values in wanted.values():
        for field in [name for name in values if name not in known]:
            del values[field]
    touched = 0
    with transaction.atomic():
        existing = {row.code: row for row in manager.select_for_update()}
        for code, values in wanted.items():
            row = existing.get(code)
            if row is None:
                manager.create(code=code, **values)
                touched += 1
                continue
            changed = [field for field, value in values.items() if getattr(row, field) != value]
            if changed:
                for field in changed:
                    setattr(row, field, values[field])
                # auto_now is written only when named: a change of a service moves Open311's changeset.
                row.save(update_fields=[*changed, *(["updated_at"] if "updated_at" in known else [])])
                touched += 1
        retired = manager.exclude(code__in=wanted).filter(is_active=True)
        touched += retired.update(is_active=False, **({"updated_at": timezone.now()} if "updated_at" in known else {}))
    return touched

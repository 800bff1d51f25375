"""Data minimisation as code: what each kind of partner may receive about a report, and nothing more.

A partner gets the fields its kind allows, narrowed further by its own ``data_fields`` when set. The
snapshot is built once, at intake, and stored on the referral: what the citizen is shown as "sent" is
byte for byte what the partner gets, whatever changes to the report later.

Pure: no database writes, no settings; it reads the report object it is handed (``alerts.Report`` or
anything shaped like it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from privacy.cells import cell_of, point_coarsen

# The police get the report, as the citizen wrote it: moderation decides what the public sees, not what
# the police receive. They also learn the moderation status, so that they can triage spam themselves.
POLICE_FIELDS: tuple[str, ...] = (
    "category", "category_label", "kind", "description", "location", "accuracy_m", "district",
    "occurred_at", "submitted_at", "language", "perception", "factors", "photo_count", "moderation_status",
    "source",
)
# Victim support needs to reach the person, not to investigate: how to contact them, in which language,
# about what, roughly where. The description only when the citizen ticked "share my description".
VICTIM_SUPPORT_FIELDS: tuple[str, ...] = (
    "contact", "preferred_language", "category", "category_label", "area", "description",
)
# Municipal services get what the public may see anyway: the moderated text and a fuzzed location.
MUNICIPAL_SERVICE_FIELDS: tuple[str, ...] = (
    "category", "category_label", "description", "location", "district", "submitted_at",
)
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "police": POLICE_FIELDS,
    "victim_support": VICTIM_SUPPORT_FIELDS,
    "municipal_service": MUNICIPAL_SERVICE_FIELDS,
}

# Resolution 9 cells are about 0.1 km² (edges of ~175 m): a street corner, not a doorway. The same snap
# is used for everything public (Open311 GET), so a municipal service learns nothing the public cannot.
# Victim support gets "this part of town" (resolution 7, about 5 km²), the same as an erased report keeps.
AREA_RESOLUTION = 7


def allowed_fields(*, kind: str, partner_fields: Sequence[str]) -> tuple[str, ...]:
    """The kind's fields, narrowed to the partner's own list when it has one, in a stable order."""
    kind_fields = FIELDS_BY_KIND[kind]
    if not partner_fields:
        return kind_fields
    return tuple(name for name in kind_fields if name in set(partner_fields))


def report_payload(*, report: Any, kind: str, fields: Sequence[str], label_language: str) -> dict[str, Any]:
    """The snapshot a partner of ``kind`` receives, restricted to ``fields``.

    Fields whose value the report does not have (no district, no perception) are left out rather than
    sent empty, and the victim-support description is left out unless the citizen agreed to share it.
    """
    builders = _builders(report, kind=kind, label_language=label_language)
    payload: dict[str, Any] = {}
    for name in fields:
        builder = builders.get(name)
        if builder is None:
            continue
        value = builder()
        if value is None or value == [] or value == {}:
            continue
        payload[name] = value
    return payload


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _geojson(lng: float, lat: float, digits: int) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lng, digits), round(lat, digits)]}


def _builders(report: Any, *, kind: str, label_language: str) -> dict[str, Callable[[], Any]]:
    contact = report.contact or {}
    district = report.district.name if report.district_id else None

    def description() -> str | None:
        if kind == "police":
            return report.description or None
        if kind == "victim_support":
            return (report.description or None) if contact.get("share_description") else None
        return report.public_description or None

    def location() -> dict[str, Any] | None:
        if kind == "police":
            return _geojson(report.location.x, report.location.y, 7)
        # A municipal service receives what the public may see: the report's one public place, the one its
        # alert and its Open311 record show, never a point of its own.
        public = report.public_location
        return _geojson(public.x, public.y, 6) if public is not None else None

    def area() -> dict[str, Any]:
        lng, lat = point_coarsen(report.location.x, report.location.y, AREA_RESOLUTION)
        return {
            "district": district,
            "cell": cell_of(report.location.x, report.location.y, AREA_RESOLUTION),
            "center": _geojson(lng, lat, 5),
        }

    def contact_details() -> dict[str, str]:
        return {key: contact[key] for key in ("phone", "email") if contact.get(key)}

    return {
        "category": lambda: report.category.code,
        "category_label": lambda: report.category.label(label_language),
        "kind": lambda: report.kind,
        "description": description,
        "location": location,
        "accuracy_m": lambda: report.accuracy_m,
        "district": lambda: district,
        "occurred_at": lambda: _iso(report.occurred_at),
        "submitted_at": lambda: _iso(report.created_at),
        "language": lambda: report.language,
        "perception": lambda: report.perception,
        "factors": lambda: list(report.factors or []),
        "photo_count": lambda: _photo_count(report),
        "moderation_status": lambda: report.status,
        "source": lambda: report.source,
        "contact": contact_details,
        "preferred_language": lambda: contact.get("preferred_language") or report.language,
        "area": area,
    }


def _photo_count(report: Any) -> int:
    # Intake knows how many photos it stored; anything else counts them.
    known = getattr(report, "photo_count", None)
    return known if known is not None else report.photos.count()

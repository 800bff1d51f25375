"""Writes of the maps part: publishing a release (once), and logging who read the maps."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import h3
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maps import transparency
from maps.errors import MonthNotClosed, PrivacyBudgetExhausted, ReleaseInvalid
from maps.exports import CellValues, content_hash, csv_bytes, geojson_bytes
from maps.layers import ALL, LAYERS, month_next, month_previous, month_window
from maps.models import (
    BudgetSpend,
    Layer,
    MapAccess,
    PrivacyLedger,
    Release,
    ReleaseCell,
    SpendKind,
    TransparencyRelease,
)
from maps.partition import RESOLUTIONS, cell_polygon, coarser_resolutions, partition_cells
from maps.selectors import layer_contributions, release_header, release_tiles_warm
from moderation.selectors import transparency_contributions
from privacy import dp
from reports.errors import NoServiceArea
from reports.selectors import service_area_active

logger = logging.getLogger(__name__)

# (step number, number of steps, what happens now): for the progress bar of publish_release.
Progress = Callable[[int, int, str], None]
STEPS = 6


@dataclass(frozen=True)
class ReleaseSettings:
    """The knobs of a release, read once from settings and validated before anything is drawn."""

    epsilon: Decimal
    cap: Decimal
    resolution: int
    threshold: int
    perception_share: Decimal
    perception_min_count: int
    time_zone: str
    late_days: int


def release_settings(*, epsilon: Decimal | str | None = None) -> ReleaseSettings:
    try:
        chosen = dp.epsilon_parse(settings.MAPS_EPSILON if epsilon is None else epsilon)
        cap = dp.epsilon_parse(settings.MAPS_MONTHLY_EPSILON_CAP, maximum=dp.CAP_MAX)
        share = Decimal(str(settings.MAPS_PERCEPTION_SHARE))
        dp.epsilon_split(chosen, perception_share=share)
    except (dp.PrivacyError, ArithmeticError) as exc:
        raise ReleaseInvalid(_("Invalid privacy settings: %(reason)s") % {"reason": exc}, field="epsilon") from exc
    if settings.MAPS_H3_RESOLUTION not in RESOLUTIONS:
        raise ReleaseInvalid(_("MAPS_H3_RESOLUTION must be 7, 8 or 9."))
    return ReleaseSettings(
        epsilon=chosen, cap=cap, resolution=settings.MAPS_H3_RESOLUTION, threshold=settings.MAPS_SHOW_THRESHOLD,
        perception_share=share, perception_min_count=settings.MAPS_PERCEPTION_MIN_COUNT,
        time_zone=settings.MAPS_TIME_ZONE, late_days=settings.MAPS_LATE_REPORT_DAYS,
    )


def _noop(step: int, steps: int, label: str) -> None:
    return None


def release_publish(
    *, month: date, layer: str, epsilon: Decimal | str | None = None, published_by: str = "",
    progress: Progress | None = None, now: datetime | None = None,
) -> Release:
    """Compute, charge and store the release of ``layer`` for ``month``, once.

    If the release exists it is returned unchanged, whatever ``epsilon`` says: a release is never
    recomputed, since a second noisy draw could be averaged with the first. Refuses a month whose late
    reports may still arrive, and a release the month's privacy ledger cannot afford.
    """
    step = progress or _noop
    if layer not in LAYERS:
        raise ReleaseInvalid(_("Unknown layer %(layer)s.") % {"layer": layer}, field="layer")
    month = month.replace(day=1)
    existing = Release.objects.filter(month=month, layer=layer).first()
    if existing is not None:
        return existing
    knobs = release_settings(epsilon=epsilon)
    window = month_window(month, time_zone=knobs.time_zone, late_days=knobs.late_days)
    if (now or timezone.now()) < window.received_before:
        raise MonthNotClosed(
            _("%(month)s can be published from %(when)s, when late reports no longer count.")
            % {"month": f"{month:%Y-%m}", "when": window.received_before.isoformat()}
        )
    area = service_area_active()
    if area is None:
        raise NoServiceArea(_("No service area is configured yet."))

    with transaction.atomic():
        ledger, _created = PrivacyLedger.objects.get_or_create(month=month, defaults={"cap": knobs.cap})
        # One publisher per month at a time: the ledger row is the lock, so two layers published
        # together cannot both read "budget left" and overspend it.
        ledger = PrivacyLedger.objects.select_for_update().get(pk=ledger.pk)
        existing = Release.objects.filter(month=month, layer=layer).first()
        if existing is not None:
            return existing
        _release_charge(ledger=ledger, layer=layer, month=month, epsilon=knobs.epsilon)
        step(1, STEPS, "partition")
        cells = partition_cells(area.boundary, knobs.resolution)
        noisy = _release_noise(cells=cells, spec=LAYERS[layer], window=window, knobs=knobs, step=step)
        release = _release_store(
            noisy=noisy, ledger=ledger, month=month, layer=layer, knobs=knobs, area=area, cells=cells,
            published_by=published_by, step=step,
        )
    logger.info("maps: published %s %s at ε=%s (%d cells)", layer, f"{month:%Y-%m}", knobs.epsilon, len(cells))
    return release


def _release_charge(*, ledger: PrivacyLedger, layer: str, month: date, epsilon: Decimal) -> None:
    """Refuse a release the month's ledger cannot afford; the spend itself is stored with the release."""
    spent = list(ledger.spends.values_list("epsilon", flat=True))
    try:
        dp.ledger_charge(cap=ledger.cap, spent=spent, epsilon=epsilon)
    except dp.PrivacyBudgetExceeded as exc:
        raise PrivacyBudgetExhausted(
            _("Publishing %(layer)s for %(month)s at ε=%(epsilon)s would bring the month to ε=%(total)s, "
              "over its cap of %(cap)s.")
            % {"layer": layer, "month": f"{month:%Y-%m}", "epsilon": epsilon,
               "total": exc.spent + exc.requested, "cap": ledger.cap}
        ) from exc


@dataclass(frozen=True)
class _Noisy:
    """All that leaves ``_release_noise``: noisy values only, drawn once."""

    slices: tuple[str, ...]
    counts: list[int]
    sums: list[int] | None
    epsilon_counts: Decimal
    epsilon_perception: Decimal


def _release_noise(
    *, cells: list[str], spec: Any, window: Any, knobs: ReleaseSettings, step: Progress
) -> _Noisy:
    """Count the month's reports per cell and slice, and draw the noise. The true counts and sums exist only
    inside this function: after it, nothing true leaves."""
    step(2, STEPS, "reports")
    contributions = layer_contributions(spec=spec, window=window, time_zone=knobs.time_zone)
    step(3, STEPS, "noise")
    split = dp.epsilon_split(knobs.epsilon, perception_share=knobs.perception_share if spec.perception else Decimal(0))
    index = {cell: i for i, cell in enumerate(cells)}
    slices = tuple(spec.slices)
    true_counts = [0] * (len(cells) * len(slices))
    perception_sums = [0] * len(cells)
    slice_index = {name: i for i, name in enumerate(slices)}
    for contribution in contributions:
        position = index.get(h3.latlng_to_cell(contribution.lat, contribution.lng, knobs.resolution))
        if position is None:
            continue  # outside today's partition (the area changed): it has no cell to go in
        true_counts[position * len(slices) + slice_index[contribution.slice]] += 1
        perception_sums[position] += dp.perception_centred(contribution.perception)
    noisy_sums = (
        dp.bounded_sums_release(perception_sums, epsilon=split.perception, sensitivity=dp.PERCEPTION_SENSITIVITY)
        if split.perception > 0 else None
    )
    return _Noisy(
        slices=slices, counts=dp.counts_release(true_counts, epsilon=split.counts), sums=noisy_sums,
        epsilon_counts=split.counts, epsilon_perception=split.perception,
    )


def _release_store(
    *, noisy: _Noisy, ledger: PrivacyLedger, month: date, layer: str, knobs: ReleaseSettings, area: Any,
    cells: list[str], published_by: str, step: Progress,
) -> Release:
    """Aggregate the noisy values to every resolution, export them, and store the release, its cells and its
    spend together (in the caller's transaction)."""
    step(4, STEPS, "aggregate")
    release = Release(
        month=month, layer=layer, epsilon=knobs.epsilon, epsilon_counts=noisy.epsilon_counts,
        epsilon_perception=noisy.epsilon_perception, resolution=knobs.resolution, threshold=knobs.threshold,
        time_zone=knobs.time_zone, service_area=area, cell_count=len(cells),
        published_at=timezone.now().replace(microsecond=0), published_by=published_by[:150],
        geojson=b"", csv=b"", content_hash="",
    )
    levels = _levels(
        cells=cells, slices=noisy.slices, noisy_counts=noisy.counts, noisy_sums=noisy.sums,
        resolution=knobs.resolution, threshold=knobs.threshold, min_count=knobs.perception_min_count,
    )
    step(5, STEPS, "export")
    header = release_header(release)
    published = [
        CellValues(cell=cell, shown={name: shown for name, (_n, shown) in values.items()}, perception=mean)
        for cell, (values, mean) in levels[knobs.resolution].items()
    ]
    release.geojson = geojson_bytes(header, published)
    release.csv = csv_bytes(header, published)
    release.content_hash = content_hash(release.geojson, release.csv)
    step(6, STEPS, "store")
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError:
        # Someone else published it between our check and now (without the ledger lock); theirs stands.
        return Release.objects.get(month=month, layer=layer)
    ReleaseCell.objects.bulk_create(
        [
            ReleaseCell(
                release=release, resolution=resolution, cell=cell, slice=name, noisy_count=value,
                shown=shown, perception_mean=mean if name == ALL else None, geom=cell_polygon(cell),
            )
            for resolution, by_cell in levels.items()
            for cell, (values, mean) in by_cell.items()
            for name, (value, shown) in values.items()
        ],
        batch_size=2000,
    )
    BudgetSpend.objects.create(
        ledger=ledger, layer=layer, epsilon=knobs.epsilon, release=release, spent_by=published_by[:150]
    )
    transaction.on_commit(lambda: _tiles_warm(release))
    return release


def _tiles_warm(release: Release) -> None:
    started = time.monotonic()
    count = release_tiles_warm(release)
    logger.info("maps: rendered %d tiles of %s ahead in %.1f s", count, release, time.monotonic() - started)


Level = dict[str, tuple[dict[str, tuple[int, str]], float | None]]


def _levels(
    *, cells: list[str], slices: tuple[str, ...], noisy_counts: list[int], noisy_sums: list[int] | None,
    resolution: int, threshold: int, min_count: int,
) -> dict[int, Level]:
    """Published values per resolution: the release's own cells, then their parents.

    Everything here is post-processing of the noisy values: ``all`` is the sum of a cell's slices, a
    parent is the sum of its children, a mean is a noisy sum over a noisy count. No true count is read.
    """
    width = len(slices)
    raw: dict[int, dict[str, tuple[list[int], int]]] = {resolution: {}}
    for i, cell in enumerate(cells):
        counts = noisy_counts[i * width:(i + 1) * width]
        raw[resolution][cell] = (counts, noisy_sums[i] if noisy_sums is not None else 0)
    for parent_resolution in coarser_resolutions(resolution):
        sums: dict[str, tuple[list[int], int]] = defaultdict(lambda: ([0] * width, 0))
        for cell, (counts, total) in raw[parent_resolution + 1].items():
            parent = h3.cell_to_parent(cell, parent_resolution)
            parent_counts, parent_total = sums[parent]
            sums[parent] = ([a + b for a, b in zip(parent_counts, counts, strict=True)], parent_total + total)
        raw[parent_resolution] = dict(sums)

    levels: dict[int, Level] = {}
    for level_resolution, by_cell in raw.items():
        level: Level = {}
        for cell in sorted(by_cell):
            counts, perception_sum = by_cell[cell]
            values = {name: (count, dp.count_shown(count, threshold=threshold)) for name, count in zip(
                slices, counts, strict=True)}
            total = sum(counts)
            values[ALL] = (total, dp.count_shown(total, threshold=threshold))
            mean = (
                dp.perception_mean(noisy_sum=perception_sum, noisy_count=total, min_count=min_count)
                if noisy_sums is not None else None
            )
            level[cell] = (values, mean)
        levels[level_resolution] = level
    return levels


def map_access_record(
    *, principal: str, endpoint: str, params: dict[str, Any], status: int, api_key_id: int | None = None,
    user_id: int | None = None,
) -> MapAccess:
    """Log one read of the maps API: who, what, with which parameters, and the answer's status."""
    return MapAccess.objects.create(
        principal=principal[:160], endpoint=endpoint[:32], params=params, status=status, api_key_id=api_key_id,
        user_id=user_id,
    )


def releases_publish_due(*, now: datetime | None = None, published_by: str = "scheduled job") -> list[Release]:
    """Publish every layer of the last closed month that is not published yet; used by the monthly job.

    A refusal (budget, no service area) is logged and the other layers still go ahead.
    """
    knobs = release_settings()
    current = (now or timezone.now()).astimezone(ZoneInfo(knobs.time_zone)).date().replace(day=1)
    month = month_previous(current)
    published = []
    for layer in Layer.values:
        try:
            published.append(release_publish(month=month, layer=layer, published_by=published_by, now=now))
        except (MonthNotClosed, PrivacyBudgetExhausted, NoServiceArea) as exc:
            logger.warning("maps: %s %s not published: %s", layer, f"{month:%Y-%m}", exc.detail)
    return published


def releases_publish_closed(*, first: date, published_by: str, now: datetime | None = None) -> list[Release]:
    """Publish every layer of every closed month from ``first`` on; answers the releases it newly made.

    Months already published are left as they are; a month still open or a refusal stops nothing else.
    """
    knobs = release_settings()
    current = (now or timezone.now()).astimezone(ZoneInfo(knobs.time_zone)).date().replace(day=1)
    month, made = first.replace(day=1), []
    while month < current:
        for layer in Layer.values:
            if Release.objects.filter(month=month, layer=layer).exists():
                continue
            try:
                made.append(release_publish(month=month, layer=layer, published_by=published_by, now=now))
            except (MonthNotClosed, PrivacyBudgetExhausted) as exc:
                logger.info("maps: %s %s not published: %s", layer, f"{month:%Y-%m}", exc.detail)
        month = month_next(month)
    return made


# --- the moderation transparency report --------------------------------------------------------------


def transparency_release_publish(
    *, month: date, published_by: str = "", now: datetime | None = None
) -> TransparencyRelease:
    """Compute, charge and store the transparency report of ``month``, once (docs/privacy.md).

    Like a map release: refused while late reports may still arrive, charged to the month's ledger under
    its lock, noised once with OpenDP's discrete Laplace, and returned unchanged if it already exists."""
    month = month.replace(day=1)
    existing = TransparencyRelease.objects.filter(month=month).first()
    if existing is not None:
        return existing
    try:
        epsilon = dp.epsilon_parse(settings.TRANSPARENCY_EPSILON)
        cap = dp.epsilon_parse(settings.MAPS_MONTHLY_EPSILON_CAP, maximum=dp.CAP_MAX)
    except dp.PrivacyError as exc:
        raise ReleaseInvalid(_("Invalid privacy settings: %(reason)s") % {"reason": exc}, field="epsilon") from exc
    window = month_window(month, time_zone=settings.MAPS_TIME_ZONE, late_days=settings.MAPS_LATE_REPORT_DAYS)
    if (now or timezone.now()) < window.received_before:
        raise MonthNotClosed(
            _("%(month)s can be published from %(when)s, when late reports no longer count.")
            % {"month": f"{month:%Y-%m}", "when": window.received_before.isoformat()}
        )
    area = service_area_active()
    districts = sorted(area.districts.values_list("name", flat=True)) if area is not None else []

    with transaction.atomic():
        ledger, _created = PrivacyLedger.objects.get_or_create(month=month, defaults={"cap": cap})
        # The ledger row is the month's lock, shared with the map releases: together they cannot overspend.
        ledger = PrivacyLedger.objects.select_for_update().get(pk=ledger.pk)
        existing = TransparencyRelease.objects.filter(month=month).first()
        if existing is not None:
            return existing
        try:
            dp.ledger_charge(cap=ledger.cap, spent=ledger.spends.values_list("epsilon", flat=True), epsilon=epsilon)
        except dp.PrivacyBudgetExceeded as exc:
            raise PrivacyBudgetExhausted(
                _("Publishing the transparency report for %(month)s at ε=%(epsilon)s would bring the month to "
                  "ε=%(total)s, over its cap of %(cap)s.")
                % {"month": f"{month:%Y-%m}", "epsilon": epsilon, "total": exc.spent + exc.requested,
                   "cap": ledger.cap}
            ) from exc
        counts = transparency.true_counts(
            transparency_contributions(start=window.start, end=window.end), districts=districts
        )
        noisy = dp.bounded_sums_release(counts, epsilon=epsilon, sensitivity=transparency.SENSITIVITY)
        del counts  # nothing true leaves this function
        published_at = timezone.now().replace(microsecond=0)
        document = transparency.document_build(
            month=month, districts=districts, noisy_counts=noisy, epsilon=epsilon, published_at=published_at,
        )
        release = TransparencyRelease.objects.create(
            month=month, epsilon=epsilon, threshold=transparency.THRESHOLD, time_zone=settings.MAPS_TIME_ZONE,
            published_at=published_at, published_by=published_by[:150], noisy=document.noisy,
            document=document.body, content_hash=document.content_hash,
        )
        BudgetSpend.objects.create(
            ledger=ledger, layer=SpendKind.TRANSPARENCY, epsilon=epsilon, transparency=release,
            spent_by=published_by[:150],
        )
    logger.info("transparency: published %s at ε=%s", f"{month:%Y-%m}", epsilon)
    return release


def transparency_release_publish_due(
    *, now: datetime | None = None, published_by: str = "scheduled job"
) -> TransparencyRelease | None:
    """Publish last month's transparency report if it is not published yet; used by the monthly job."""
    current = (now or timezone.now()).astimezone(ZoneInfo(settings.MAPS_TIME_ZONE)).date().replace(day=1)
    month = month_previous(current)
    try:
        return transparency_release_publish(month=month, published_by=published_by, now=now)
    except (MonthNotClosed, PrivacyBudgetExhausted) as exc:
        logger.warning("transparency: %s not published: %s", f"{month:%Y-%m}", exc.detail)
        return None

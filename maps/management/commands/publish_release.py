"""``manage.py publish_release --month YYYY-MM [--layer insecurity|incidents]``: publish a month once."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kernel.errors import LanternError
from maps.layers import month_parse
from maps.models import Layer, Release
from maps.services import release_publish

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Publish the differentially private release of a closed month (every layer, or one). A release is "
        "computed once: publishing it again prints the stored one and spends nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM")
        parser.add_argument("--layer", choices=Layer.values, action="append",
                            help="Only this layer (repeatable); every layer by default")
        parser.add_argument("--epsilon", help="ε for this release (default: MAPS_EPSILON)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = month_parse(options["month"])
        except ValueError as exc:
            raise CommandError(f"--month: {exc}, e.g. 2026-10") from exc
        failed = False
        for layer in options["layer"] or Layer.values:
            already = Release.objects.filter(month=month, layer=layer).exists()
            started = time.monotonic()
            try:
                release = release_publish(
                    month=month, layer=layer, epsilon=options["epsilon"], published_by="manage.py publish_release",
                    progress=lambda step, steps, label, layer=layer: self._bar(layer, step, steps, label),
                )
            except LanternError as exc:
                self.stderr.write(f"{layer} {month:%Y-%m}: refused: {exc.detail}")
                failed = True
                continue
            if already:
                self.stdout.write(
                    f"{layer} {month:%Y-%m}: already published at {release.published_at:%Y-%m-%d %H:%M} "
                    f"(ε={release.epsilon}, sha256 {release.content_hash[:12]}…); left unchanged"
                )
            else:
                self.stdout.write(
                    f"{layer} {month:%Y-%m}: published {release.cell_count} cells at H3 resolution "
                    f"{release.resolution}, ε={release.epsilon}, in {time.monotonic() - started:.1f} s "
                    f"(sha256 {release.content_hash[:12]}…)"
                )
        if failed:
            raise CommandError("some layers were not published")

    def _bar(self, layer: str, step: int, steps: int, label: str) -> None:
        filled = round(BAR_WIDTH * step / steps)
        self.stdout.write(f"{layer:<10} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {step}/{steps} {label}")

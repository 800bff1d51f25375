"""Behaviour rules: who is reporting and how, rather than what the report says.

Behaviour hits carry no spans: nothing in the text is wrong, the pattern around it is. They only hold a
report for a moderator; they never reject, because a new phone or a busy evening is not misconduct.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BehaviourLimits:
    """Thresholds of the behaviour rules; ``DEFAULT_LIMITS`` holds the agreed values.

    * ``new_device_reports``: a device's first N reports are held (``trust.new_device``): a throwaway
      device is the cheapest way to post a doxxing report.
    * ``rejected_minimum`` and ``rejected_ratio``: a device with at least that many rejected reports, making
      up at least that share of its reports, is held (``trust.rejection_history``). Both conditions, so
      one bad report among three does not brand a device, and a long good record is not wiped by three.
    * ``flood_reports`` and ``flood_max_devices``: that many recent reports near the same place (or about
      the same subject) coming from at most that many devices is held (``flood.place``): one or two people
      making a place look dangerous, or piling on a neighbour.
    * ``burst_per_hour``: that many reports from the device in the last hour is held (``rate.burst``).
    """

    new_device_reports: int = 3
    rejected_minimum: int = 3
    rejected_ratio: float = 0.5
    flood_reports: int = 5
    flood_max_devices: int = 2
    burst_per_hour: int = 10


DEFAULT_LIMITS = BehaviourLimits()


class History(Protocol):
    @property
    def reports_total(self) -> int: ...
    @property
    def reports_rejected(self) -> int: ...
    @property
    def reports_last_hour(self) -> int: ...


class Nearby(Protocol):
    @property
    def reports(self) -> int: ...
    @property
    def distinct_devices(self) -> int: ...


def codes(history: History | None, nearby: Nearby | None, limits: BehaviourLimits = DEFAULT_LIMITS) -> list[str]:
    """Behaviour reason codes that apply. A missing ``history`` or ``nearby`` means "not known": no hit.

    ``history`` counts the device's reports *before* this one, so with ``reports_total == 0`` this is its
    first report.
    """
    found: list[str] = []
    if history is not None:
        if history.reports_total < limits.new_device_reports:
            found.append("trust.new_device")
        if (
            history.reports_rejected >= limits.rejected_minimum
            and history.reports_rejected >= limits.rejected_ratio * max(history.reports_total, 1)
        ):
            found.append("trust.rejection_history")
        if history.reports_last_hour >= limits.burst_per_hour:
            found.append("rate.burst")
    if nearby is not None and nearby.reports >= limits.flood_reports:
        if nearby.distinct_devices <= limits.flood_max_devices:
            found.append("flood.place")
    return found

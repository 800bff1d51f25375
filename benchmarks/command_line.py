"""What every benchmark script does with its command line and signals, in one place."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Iterable
from types import FrameType


def positive_required(parser: argparse.ArgumentParser, args: argparse.Namespace, names: Iterable[str]) -> None:
    """Stops with a usage error when any of the options ``names`` (attribute names) is zero or negative."""
    for name in names:
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def sigterm_interrupts() -> None:
    """SIGTERM raises KeyboardInterrupt, so that a killed run still cleans up what it created."""
    signal.signal(signal.SIGTERM, _terminate)

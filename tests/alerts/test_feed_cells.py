"""Which H3 cells a live feed accepts, and which alerts it passes on."""

from __future__ import annotations

import h3

from alerts.consumers import _covered, cells_parse
from alerts.events import alert_group

ALERT_CELL = h3.latlng_to_cell(51.0543, 3.7250, 9)


def test_cells_of_resolution_7_or_finer_are_accepted_lowercased_and_deduplicated():
    r7 = h3.cell_to_parent(ALERT_CELL, 7)
    assert cells_parse([r7, ALERT_CELL.upper(), ALERT_CELL], limit=5) == [r7, ALERT_CELL]


def test_anything_else_is_refused_whole():
    assert cells_parse([h3.cell_to_parent(ALERT_CELL, 6)], limit=5) is None
    assert cells_parse(["8928308280fffff", "zz"], limit=5) is None
    assert cells_parse([ALERT_CELL] * 3 + [h3.cell_to_parent(ALERT_CELL, 8)], limit=3) is None
    assert cells_parse({"cells": ALERT_CELL}, limit=5) is None
    assert cells_parse([7], limit=5) is None


def test_an_alert_reaches_feeds_whose_cells_hold_it_or_lie_inside_it():
    assert _covered(ALERT_CELL, {h3.cell_to_parent(ALERT_CELL, 7)})
    assert _covered(ALERT_CELL, {ALERT_CELL})
    assert _covered(ALERT_CELL, {h3.cell_to_children(ALERT_CELL, 11)[0]})
    neighbour = next(cell for cell in h3.grid_ring(ALERT_CELL, 1))
    assert not _covered(ALERT_CELL, {neighbour})


def test_groups_are_named_by_the_resolution_7_parent():
    assert alert_group(ALERT_CELL) == "alerts." + h3.cell_to_parent(ALERT_CELL, 7)
    assert alert_group(h3.cell_to_parent(ALERT_CELL, 7)) == alert_group(ALERT_CELL)

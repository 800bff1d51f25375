"""Insecurity maps: a fixed H3 partition, monthly differentially private releases, tiles and exports."""

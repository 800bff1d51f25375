"""Open311 GeoReport v2 at /open311/v2/: the standard cities' systems already speak, over Lantern's reports."""

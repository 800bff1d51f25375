"""Pure geo-privacy and differential-privacy primitives: no Django, no models, no ``random``."""

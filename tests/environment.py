"""Loaded by pytest before Django (``-p tests.environment``): the test environment of settings."""

import os

os.environ["LANTERN_ENV"] = "test"
# A Redis database of its own, so tests never touch a running demo's cache or channel layer.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CACHE_KEY_PREFIX", "lantern-test")
os.environ.setdefault("PRIVATE_MEDIA_ROOT", "/tmp/lantern-test-private")

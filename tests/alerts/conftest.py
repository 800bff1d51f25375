"""Fixtures of the alert tests: the fake FCM (``fcm``) and push switched off (``no_push``)."""

from tests.alerts.fixtures import fcm, no_push  # noqa: F401

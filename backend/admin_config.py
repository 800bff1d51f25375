"""django.contrib.admin's app, with Lantern's site (backend/admin_site.py) as ``admin.site``.

A module of its own: ``backend.apps`` may hold one app config only, and the site's module imports the admin,
which must not happen while the apps load.
"""

from django.contrib.admin.apps import AdminConfig


class LanternAdminConfig(AdminConfig):
    default_site = "backend.admin_site.LanternAdminSite"

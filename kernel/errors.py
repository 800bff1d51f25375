"""The one base of every refusal a client can act on. The HTTP edge (api.problems) turns any of them into an
RFC 9457 problem, and Open311 into its error array: a part adds an error by subclassing, nothing else."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class LanternError(Exception):
    """A refusal a client can act on. ``problem_type`` is a stable slug; ``status`` the HTTP hint."""

    problem_type = "invalid-request"
    status = 400
    title: str | Promise = _("Invalid request")

    def __init__(self, detail: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.field = field

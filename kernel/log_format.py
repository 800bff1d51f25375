"""``LOG_FORMAT=json``: one JSON object per line, for log collectors that parse rather than grep.

Every line carries the time (UTC, ISO 8601), level, logger and message; a line written while a request is
being answered also carries that request's id, so all the lines of one request can be found together.
Fields a caller passes with ``extra=`` are kept, under their own names. What a line may hold is what the
code that logs it chooses: Lantern logs ids, partners, routes and outcomes, never a report's text or place.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

# Set by the request middleware (api/middleware.py) for the thread answering the request.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("lantern_request_id", default=None)

# The attributes every LogRecord has; anything else on a record came from ``extra=``.
# Django's request logger adds the request itself: its text is the raw path and query string, which may hold
# coordinates (``/alerts/?lat=…&lng=…``), so it is never written.
# uvicorn's ``color_message`` is its message again with terminal colours.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message", "asctime", "request_id", "request", "color_message",
}


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: a datetime or UUID passed in ``extra`` is written as text rather than breaking the line.
        return json.dumps(line, ensure_ascii=False, default=str)

"""One log line per request on logger `pinggu.request`, and the formatters of every log line.

What a line holds is chosen so that it can be shipped to a log service as is: the path without its
query string (a presigned or reset link may carry a secret there), never a body, a header, a cookie,
a token or a session id; the user only as a numeric id.
"""

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponseBase

from pinggu.lib.clientaddr import client_addr

log = logging.getLogger("pinggu.request")


def _user_id(request: HttpRequest) -> int | None:
    # Read what authentication left on the request; never trigger a session lookup of our own.
    user = request.__dict__.get("user")
    if user is None:
        return None
    try:
        return user.pk if user.is_authenticated else None
    except Exception:  # a lazy user whose session store is down: the request already failed for it
        return None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not log.isEnabledFor(logging.INFO):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        if not response.streaming:
            self._emit(request, response, started, len(response.content))
            return response
        # A streamed answer (a download, a ZIP) takes its time after the view returned: the line is
        # written when the server closes the response, with the bytes that actually went out.
        sent = [0]
        if getattr(response, "file_to_stream", None) is None and not getattr(response, "is_async", False):
            response.streaming_content = _counting(response.streaming_content, sent)  # type: ignore[attr-defined]
            counted = True
        else:  # a file the server may send with sendfile(): leave it alone and trust Content-Length
            counted = False
        close = response.close
        logged = False

        def close_and_log() -> None:
            nonlocal logged
            try:
                close()
            finally:
                if not logged:  # servers and test clients may close twice
                    logged = True
                    self._emit(request, response, started, sent[0] if counted else _declared_length(response))

        response.close = close_and_log  # type: ignore[method-assign]
        return response

    def _emit(self, request: HttpRequest, response: HttpResponseBase, started: float, length: int | None) -> None:
        fields = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "user": _user_id(request),
            "remote_addr": client_addr(request),
            "bytes": length,
        }
        log.info("%(method)s %(path)s %(status)s %(duration_ms)sms", fields, extra={"request_fields": fields})


def _declared_length(response: HttpResponseBase) -> int | None:
    try:
        return int(response["Content-Length"])
    except (KeyError, ValueError):
        return None


def _counting(chunks, sent: list[int]) -> Iterator[bytes]:
    for chunk in chunks:
        sent[0] += len(chunk)
        yield chunk


class JsonFormatter(logging.Formatter):
    """One JSON object a line: a request's fields as they are, any other record as time, level, logger and message."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "request_fields", None)
        if fields is None:
            fields = {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
            if record.exc_info:
                fields["exception"] = self.formatException(record.exc_info)
        return json.dumps(fields, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "request_fields", None)
        if fields is None:
            return super().format(record)
        return "{time} {method} {path} {status} {duration_ms}ms user={user} addr={remote_addr} bytes={bytes}".format(**fields)

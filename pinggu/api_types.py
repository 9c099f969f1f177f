"""Parameter types and documented answers shared by every API route.

Each path and query parameter is bounded here, in the schema, so that no input
reaches the database unchecked (a fuzzer found ids too large for the integer
columns and negative offsets answering 500), and the OpenAPI schema lists every
error an operation can answer, all in the one shape of errors.error_json.
"""

from typing import Annotated, Any, Optional

from ninja import Schema
from pydantic import ConfigDict, Field

# Primary keys are BigAutoField: 64-bit signed on both SQLite and PostgreSQL.
MAX_ID = 2**63 - 1
# PositiveIntegerField and friends are 32-bit on PostgreSQL.
MAX_INT = 2**31 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_INT)]
Offset = Annotated[int, Field(ge=0, le=MAX_INT)]
# Pages of at most 5,000 rows (the audit log's limit).
Limit = Annotated[int, Field(ge=1, le=5000)]
# Slugs as the models validate them (SlugField); "/" could never reach the route anyway.
UnitCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]
FrameworkCode = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")]
CheckpointCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^/]+$")]
# Filters and other short words in a query string.
Word = Annotated[str, Field(max_length=100)]
OptionalWord = Optional[Word]
# A comma-separated list of codes; about what fits in a request line.
OptionalCodeList = Optional[Annotated[str, Field(max_length=4000)]]


class ErrorOut(Schema):
    """Every error the API answers: a stable code, a message in Chinese, sometimes more fields."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str


# Any operation can meet these: a malformed request, a missing or expired token
# (or a CSRF failure with the session cookie), a permission check, a body over the
# size limit (refused on Content-Length before routing), an unexpected failure,
# the database or the disk being unavailable.
COMMON_ERRORS = (400, 401, 403, 413, 500, 503)


def responses(ok: dict[int, Any] | None = None, *errors: int) -> dict[int, Any]:
    """The `response=` of a route: its successful answers (200 with any JSON by default) plus ErrorOut for each error.

    `errors` names what this operation adds to COMMON_ERRORS: 404 when it looks
    something up, 409 for conflicts with the current state, 410 after a deadline,
    413 for uploads, 429 for lockouts.
    """
    return {**({200: Any} if ok is None else ok), **{status: ErrorOut for status in sorted({*COMMON_ERRORS, *errors})}}


def file_download(media_type: str, statuses: tuple[int, ...] = (200,)) -> dict[str, Any]:
    """The `openapi_extra` of a route answering a file: ninja can only describe JSON bodies.

    Use with responses({200: None}, …), which documents the status without a body.
    """
    content = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    return {"responses": {status: {"content": content} for status in statuses}}

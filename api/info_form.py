"""Every rule for `desc`, the one field of POST /info: the form's strictness, the byte limit, the
messages, and the OpenAPI description built from them.

Starlette decodes form values leniently (invalid UTF-8 becomes U+FFFD, raw non-ASCII bytes become
Latin-1), which would store text other than what the client sent. Here bytes are percent-decoded
first and then decoded as UTF-8, strictly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError

from api.limits import read_body

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# MySQL's TEXT holds at most this many bytes; longer input is refused, never truncated.
DESC_MAX_BYTES = 65_535

NOT_A_FORM = f"send desc as {FORM_CONTENT_TYPE} in UTF-8"
NOT_UTF8 = "form data is not valid UTF-8"
REPEATED = "desc must be given once"
DESCRIPTION = f"Stored as sent; at most {DESC_MAX_BYTES} bytes of UTF-8."


def too_long(size: int) -> str:
    return f"desc is {size} bytes of UTF-8; at most {DESC_MAX_BYTES} are stored"


OPENAPI_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM_CONTENT_TYPE: {
                "schema": {
                    "type": "object",
                    "required": ["desc"],
                    "properties": {"desc": {"type": "string", "description": DESCRIPTION}},
                }
            }
        },
    }
}


class FormError(ValueError):
    """The body is not a well-formed UTF-8 urlencoded form."""


def content_type_is_form(header: str | None) -> bool:
    if header is None:
        return False
    media_type, _, params = header.partition(";")
    if media_type.strip().lower() != FORM_CONTENT_TYPE:
        return False
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset" and value.strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def parse_form(body: bytes) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for pair in body.split(b"&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        try:
            name = _decode(raw_name)
            value = _decode(raw_value)
        except UnicodeDecodeError:
            raise FormError(NOT_UTF8) from None
        fields.setdefault(name, []).append(value)
    return fields


def _decode(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")


def _invalid(msg: str, loc: tuple[str, ...] = ("body",)) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": msg, "input": None}])


async def info_form(request: Request) -> str:
    """The validated `desc` of a POST /info body."""
    if not content_type_is_form(request.headers.get("content-type")):
        raise HTTPException(415, detail=NOT_A_FORM)
    try:
        fields = parse_form(await read_body(request))
    except FormError as exc:
        raise _invalid(str(exc)) from None
    values = fields.get("desc", [])
    if not values:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body", "desc"), "msg": "Field required", "input": None}]
        )
    if len(values) > 1:
        raise _invalid(REPEATED, ("body", "desc"))
    size = len(values[0].encode("utf-8"))
    if size > DESC_MAX_BYTES:
        raise _invalid(too_long(size), ("body", "desc"))
    return values[0]

"""Strict application/x-www-form-urlencoded parsing.

Starlette decodes form values leniently (invalid UTF-8 becomes U+FFFD, raw non-ASCII bytes become
Latin-1), which would store text other than what the client sent. Here bytes are percent-decoded
first and then decoded as UTF-8, strictly.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


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
            raise FormError("form data is not valid UTF-8") from None
        fields.setdefault(name, []).append(value)
    return fields


def _decode(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")

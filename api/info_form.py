"""The POST /info request body: a strictly decoded urlencoded form with one valid `desc`."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError

from api.form import FORM_CONTENT_TYPE, FormError, content_type_is_form, parse_form
from api.models import DESC_MAX_BYTES
from api.schemas import fits_mysql_text

OPENAPI_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM_CONTENT_TYPE: {
                "schema": {
                    "type": "object",
                    "required": ["desc"],
                    "properties": {
                        "desc": {
                            "type": "string",
                            "description": (
                                f"Stored as sent; at most {DESC_MAX_BYTES} bytes of UTF-8."
                            ),
                        }
                    },
                }
            }
        },
    }
}


def _invalid(msg: str, loc: tuple[str, ...] = ("body",)) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": msg, "input": None}])


async def info_form(request: Request) -> str:
    """The validated `desc` of a POST /info body."""
    if not content_type_is_form(request.headers.get("content-type")):
        raise HTTPException(415, detail=f"send desc as {FORM_CONTENT_TYPE} in UTF-8")
    try:
        fields = parse_form(await request.body())
    except FormError as exc:
        raise _invalid(str(exc)) from None
    values = fields.get("desc", [])
    if not values:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body", "desc"), "msg": "Field required", "input": None}]
        )
    if len(values) > 1:
        raise _invalid("desc must be given once", ("body", "desc"))
    try:
        return fits_mysql_text(values[0])
    except ValueError as exc:
        raise _invalid(str(exc), ("body", "desc")) from None

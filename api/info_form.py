"""The POST /info request body: a strictly decoded urlencoded form, validated as InfoIn."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.form import FORM_CONTENT_TYPE, FormError, content_type_is_form, parse_form
from api.models import DESC_MAX_BYTES
from api.schemas import InfoIn

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


async def info_form(request: Request) -> InfoIn:
    if not content_type_is_form(request.headers.get("content-type")):
        raise HTTPException(415, detail=f"send desc as {FORM_CONTENT_TYPE} in UTF-8")
    try:
        fields = parse_form(await request.body())
    except FormError as exc:
        raise _invalid(str(exc)) from None
    values = fields.get("desc", [])
    if len(values) > 1:
        raise _invalid("desc must be given once", ("body", "desc"))
    try:
        return InfoIn.model_validate({"desc": values[0]} if values else {})
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from None

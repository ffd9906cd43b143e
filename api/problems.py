"""Every error the API sends, in one JSON shape, and the handlers that translate exceptions to it.

{"code": "<machine-readable>", "detail": "<what happened and what to do>",
 "errors": [...],            # 422 only: each invalid field, FastAPI's loc/msg/type
 "write": "not_written" | "unknown"}   # a POST /info answered 503: was it stored?
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from api import metrics
from api.schemas import Problem, ValidationIssue
from core.db_errors import is_schema_error, one_line

log = logging.getLogger(__name__)

WriteFate = Literal["not_written", "unknown"]
RETRY_AFTER = {"Retry-After": "1"}
UNAVAILABLE = "database unavailable; retry shortly"
SCHEMA_NOT_READY = (
    "schema not ready: run the migrator (a table or column this build needs is missing)"
)
_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
}


class Unavailable(Exception):
    """Answer 503: the database, or the time to reach it, is not there."""

    def __init__(self, code: str, detail: str, write: WriteFate | None = None) -> None:
        super().__init__(detail)
        self.code, self.detail, self.write = code, detail, write


def problem(status: int, body: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Unavailable, _unavailable)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeoutError, _database_error)
    app.add_exception_handler(Exception, _internal_error)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    code = _CODES.get(exc.status_code, "http_error")
    return problem(exc.status_code, Problem(code=code, detail=str(exc.detail)), headers)


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = [
        ValidationIssue(loc=list(error["loc"]), msg=error["msg"], type=error["type"])
        for error in exc.errors()
    ]
    summary = "; ".join(f"{'.'.join(map(str, i.loc))}: {i.msg}" for i in issues)
    return problem(422, Problem(code="invalid_request", detail=summary, errors=issues))


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unavailable)
    cause = f": {one_line(exc.__cause__)}" if exc.__cause__ else ""
    log.warning("503 %s%s", exc.code, cause)
    metrics.count_db_error(exc.code)
    body = Problem(code=exc.code, detail=exc.detail, write=exc.write)
    return problem(503, body, RETRY_AFTER)


def unavailable_for(exc: Exception, write: WriteFate | None = None) -> Unavailable | None:
    """The 503 a database error means, or None where it means a bug (a 500). `write`: what a
    POST whose connection broke may have stored; a statement the server refused stored nothing."""
    if is_schema_error(exc):
        error = Unavailable(
            "schema_not_ready", SCHEMA_NOT_READY, None if write is None else "not_written"
        )
    elif isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError | InterfaceError):
        return None
    else:
        error = Unavailable("database_unavailable", UNAVAILABLE, write)
    error.__cause__ = exc
    return error


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    error = unavailable_for(exc)
    if error is None:
        return await _internal_error(request, exc)
    return await _unavailable(request, error)


async def _internal_error(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return problem(500, Problem(code="internal_error", detail="internal error; see the logs"))


def _allowed_methods(request: Request) -> str:
    # Starlette's Allow header names the methods of the first route on the path only, and /info
    # has one route per method: list every method the OpenAPI document has for the path, as
    # RFC 9110 asks.
    allowed: set[str] = set()
    for path, operations in request.app.openapi()["paths"].items():
        if compile_path(path)[0].match(request.url.path):
            allowed |= {method.upper() for method in operations}
    return ", ".join(sorted(allowed))

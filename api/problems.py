"""Every error the API sends, in one JSON shape, and the handlers that translate exceptions to it.

{"code": "<machine-readable>", "detail": "<what happened and what to do>",
 "errors": [...],            # 422 only: each invalid field, FastAPI's loc/msg/type
 "write": "not_written" | "unknown"}   # a POST /info answered 503 or 500: was it stored?

A database error is answered by what the server said (core.db_errors.ERROR_TABLE): transient
and failover codes 503 with Retry-After, a missing table or column 503 schema_not_ready, any
other code 500 database_rejected without Retry-After (retrying cannot help), logged once.
Unexpected exceptions are answered 500 by api.internal_errors, also logged once.
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from api import metrics
from api.internal_errors import InternalErrors
from api.schemas import Problem, ValidationIssue
from core.db_errors import ErrorKind, classify
from migrator.engines.errors import mysql_error_code, one_line

log = logging.getLogger(__name__)

WriteFate = Literal["not_written", "unknown"]
RETRY_AFTER = {"Retry-After": "1"}
UNAVAILABLE = "database unavailable; retry shortly"
READ_ONLY = (
    "the database is read-only (a failover in progress); retry shortly, the next write reconnects"
)
REJECTED = "the database rejected the statement; retrying will not help (see the logs)"
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


class Rejected(Exception):
    """Answer 500 database_rejected: the server refused the statement for good."""

    def __init__(self, write: WriteFate | None = None) -> None:
        super().__init__(REJECTED)
        self.write = write


def problem(status: int, body: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    app.add_middleware(InternalErrors)  # added first: inside the request metrics
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Unavailable, _unavailable)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeoutError, _database_error)
    app.add_exception_handler(Rejected, _rejected)


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


def database_error(exc: Exception, write: WriteFate | None = None) -> Unavailable | Rejected:
    """What a database error is answered with, by ERROR_TABLE. `write`: what a POST whose
    connection broke may have stored; a statement the server refused stored nothing."""
    refused: WriteFate | None = None if write is None else "not_written"
    if isinstance(exc, PoolTimeoutError):
        error: Unavailable | Rejected = Unavailable("database_unavailable", UNAVAILABLE, write)
    else:
        kind = classify(exc)
        if kind is ErrorKind.SCHEMA_NOT_READY:
            error = Unavailable("schema_not_ready", SCHEMA_NOT_READY, refused)
        elif kind is ErrorKind.FAILOVER:
            error = Unavailable("database_read_only", READ_ONLY, refused)
        elif kind is ErrorKind.TRANSIENT:
            error = Unavailable("database_unavailable", UNAVAILABLE, write)
        else:
            error = Rejected(refused)
    error.__cause__ = exc
    return error


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    error = database_error(exc)
    if isinstance(error, Rejected):
        return await _rejected(request, error)
    return await _unavailable(request, error)


async def _rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Rejected)
    cause = exc.__cause__ or exc
    route = getattr(request.scope.get("route"), "path", request.url.path)
    # The one line an operator sees: the server's code and message, and the request.
    log.error(
        "500 database_rejected: %s %s: server error %s: %s",
        request.method,
        route,
        mysql_error_code(cause),
        one_line(cause),
    )
    metrics.count_db_error("database_rejected")
    body = Problem(code="database_rejected", detail=REJECTED, write=exc.write)
    return problem(500, body)


def _allowed_methods(request: Request) -> str:
    # Starlette's Allow header names the methods of the first route on the path only, and /info
    # has one route per method: list every method the OpenAPI document has for the path, as
    # RFC 9110 asks.
    allowed: set[str] = set()
    for path, operations in request.app.openapi()["paths"].items():
        if compile_path(path)[0].match(request.url.path):
            allowed |= {method.upper() for method in operations}
    return ", ".join(sorted(allowed))

"""An unexpected exception answered 500 and logged once.

An exception handler registered for `Exception` runs inside Starlette's ServerErrorMiddleware,
which answers with it and then re-raises, so uvicorn logs the same error a second time. This
middleware sits inside ServerErrorMiddleware (and inside the request metrics, which count the
500): it answers, logs one line with the request's method, route and the exception, and does
not re-raise.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.schemas import Problem

log = logging.getLogger(__name__)

_BODY = Problem(code="internal_error", detail="internal error; see the logs")


class InternalErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", scope.get("path", "?"))
            log.error("500 internal_error: %s %s", scope.get("method"), route, exc_info=exc)
            if started:
                return  # the status is sent; the server closes the unfinished response
            body = _BODY.model_dump_json(exclude_none=True).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

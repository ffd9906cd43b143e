"""Request body limits, enforced before a body is read into memory."""

from __future__ import annotations

from collections.abc import AsyncIterable

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    """The request body exceeds MAX_BODY_BYTES."""


class DeclaredBodyLimit:
    """Answer 413 to a request whose Content-Length exceeds the limit, without reading it."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length":
                    if not value.isdigit() or int(value) > self.max_bytes:
                        await _send_413(send, self.max_bytes)
                        return
                    break
        await self.app(scope, receive, send)


async def read_bounded(stream: AsyncIterable[bytes], max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """Read a body of unknown length (chunked), stopping as soon as it is too large."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _send_413(send: Send, max_bytes: int) -> None:
    body = b'{"detail":"request body exceeds %d bytes"}' % max_bytes
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

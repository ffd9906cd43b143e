"""Request size limits, and reading a body within them.

Only POST /info reads a body. A declared Content-Length over the limit is refused with 413
before the body is read, and a chunked body as soon as it grows past it. (FastAPI's
max_body_size does the same in a middleware in front of every route, but answers in plain text.)
"""

from __future__ import annotations

from fastapi import HTTPException, Request

MAX_BODY_BYTES = 1024 * 1024
TOO_LARGE = f"the body is over {MAX_BODY_BYTES} bytes"


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(413, detail=TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HTTPException(413, detail=TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)

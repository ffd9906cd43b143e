"""Request size limits."""

from __future__ import annotations

# Enforced by FastAPI's max_body_size (Starlette's RequestBodyLimitMiddleware): a declared
# Content-Length above it is refused with 413 before the body is read, and a chunked body as
# soon as it grows past it.
MAX_BODY_BYTES = 1024 * 1024

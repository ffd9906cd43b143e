"""PyMySQL's TLS "preferred" mode with one context per process.

Given no TLS option, PyMySQL 1.2 tries TLS and falls back to plain text, and builds a default
context for that on every connection: loading the system's CA store took 30-50 ms here, for a
context that then verifies nothing (CERT_NONE, no hostname check). A run opens several
connections (its session, env.py's, a side connection beside each): they share one such context.
Any TLS option given (a CA, a certificate, verification) is PyMySQL's own business, as before.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import pymysql


@functools.cache
def _preferred_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Connection(pymysql.connections.Connection):  # type: ignore[misc]  # PyMySQL has no types
    def _create_ssl_ctx(self, sslp: Any) -> ssl.SSLContext:
        if isinstance(sslp, dict) and not sslp:
            return _preferred_context()
        context: ssl.SSLContext = super()._create_ssl_ctx(sslp)
        return context

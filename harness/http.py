"""A plain HTTP client for tests against a real server: one connection per request."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


def post_info(base: str, desc: str, timeout: float = 10) -> tuple[int, dict[str, Any]]:
    body = urllib.parse.urlencode({"desc": desc}).encode()
    request = urllib.request.Request(f"{base}/info", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read() or b"{}")


def get_status(base: str, path: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)

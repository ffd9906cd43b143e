"""A plain HTTP client for tests against a real server: one connection per request."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Outcome:
    """One POST /info of a load loop: when it started, how long it took, what it got."""

    started: float
    seconds: float
    status: int  # 0: no HTTP answer at all
    body: dict[str, Any]


def post_until(base: str, desc: str, outcomes: list[Outcome], stop: threading.Event) -> None:
    """POST /info back to back until `stop` is set, recording every outcome (for a thread)."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            status, body = post_info(base, desc, timeout=30)
        except OSError:
            status, body = 0, {}
        outcomes.append(Outcome(started, time.monotonic() - started, status, body))

"""The last line of every migrator run: outcome, exit code, what changed, seconds taken.

Also written, where MIGRATOR_TERMINATION_MESSAGE_PATH names a file (Kubernetes' termination-log
path), so that `kubectl describe pod` shows why an init container or Job failed.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from migrator.exit_codes import OK

log = logging.getLogger("migrator")

MESSAGE_LIMIT = 4096  # bytes of a termination message the kubelet keeps


class RunSummary:
    def __init__(self, command: str) -> None:
        self.command = command
        self.started = time.monotonic()
        # Read before the settings are, so that a configuration error is reported there too.
        path = os.environ.get("MIGRATOR_TERMINATION_MESSAGE_PATH")
        self.message_path: Path | None = Path(path) if path else None

    def succeeded(self, outcome: object) -> int:
        detail = f": {outcome}" if outcome else ""
        self._report(logging.INFO, OK, f"ok{detail}")
        return OK

    def failed(self, code: int, reason: str) -> int:
        self._report(logging.ERROR, code, f"failed: {reason}")
        return code

    def _report(self, level: int, code: int, what: str) -> None:
        seconds = time.monotonic() - self.started
        line = f"migrate {self.command} {what} (exit {code}, {seconds:.2f} s)"
        log.log(level, "%s", line, extra={"exit_code": int(code), "seconds": round(seconds, 3)})
        if self.message_path is None:
            return
        try:
            self.message_path.write_bytes(line.encode()[:MESSAGE_LIMIT])
        except OSError as exc:
            log.warning("cannot write the termination message to %s: %s", self.message_path, exc)

"""A fault test whose assertion fails while its load still posts: pytest reports the failure
and exits at once, waiting for no request in flight (the load's threads are daemons, stopped
by the `with` block however it ends)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from core.settings import PROJECT_ROOT

# Each request of the child's load would wait this long on a server that never answers; a
# pytest that waited for one would take at least that.
REQUEST_TIMEOUT = 120
# The child's own start-up (pytest, imports) on a shared machine, well below REQUEST_TIMEOUT.
STARTUP_MARGIN = 30

FAILING_FAULT_TEST = f"""
import socket
import time

from harness.http import WriteLoad


def test_fails_while_the_load_posts():
    # A server that accepts connections and never answers, as a frozen database makes the API.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(256)
        base = "http://127.0.0.1:%d" % listener.getsockname()[1]
        with WriteLoad(base, "never answered", 8, request_timeout={REQUEST_TIMEOUT}):
            time.sleep(0.5)
            assert 1 + 1 == 3, "deliberate failure"
"""


def test_a_failed_assertion_leaves_no_thread_posting(tmp_path: Path) -> None:
    test_file = tmp_path / "test_fails_on_purpose.py"
    test_file.write_text(textwrap.dedent(FAILING_FAULT_TEST))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=REQUEST_TIMEOUT + STARTUP_MARGIN,
        check=False,
    )
    seconds = time.monotonic() - started

    assert result.returncode == 1, result.stdout + result.stderr
    assert "deliberate failure" in result.stdout
    assert "1 failed" in result.stdout
    assert seconds < STARTUP_MARGIN, f"pytest took {seconds:.1f} s to exit"
